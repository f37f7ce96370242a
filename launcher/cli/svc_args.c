#define _GNU_SOURCE
#include "cli/svc_args.h"

#include <string.h>

#include "base/strbuf.h"
#include "base/suggest.h"

bool svc_args_is_name(const char *s)
{
	if (!*s || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") ==
	       strlen(s);
}

static int unknown(const struct stack *st, const char *cmd, const char *name, struct clan_err *err)
{
	const char **names = xcalloc(st->nsvcs + 1, sizeof *names);
	struct strbuf b = {0};
	for (size_t i = 0; i < st->nsvcs; i++) {
		names[i] = st->svcs[i].name;
		strbuf_adds(&b, i ? ", " : "");
		strbuf_adds(&b, names[i]);
	}
	const char *near = suggest_nearest(name, names, st->nsvcs);
	clan_error_code(err, CLAN_EXIT_USAGE, "%s: no service %s in %s (its services: %s)%s%s%s",
			cmd, name, st->config_file, b.len ? b.s : "none",
			near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
	strbuf_free(&b);
	free(names);
	return -1;
}

int svc_args_check(const struct stack *st, const char *cmd, const struct strv *names,
		   struct clan_err *err)
{
	for (size_t i = 0; i < names->n; i++) {
		if (!svc_args_is_name(names->v[i]))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: '%s' is not a service name (letters, digits, "
					       "'.', '_' and '-')",
					       cmd, names->v[i]);
		if (!stack_find(st, names->v[i]))
			return unknown(st, cmd, names->v[i], err);
	}
	return 0;
}

static size_t index_of(const struct stack *st, const char *name)
{
	size_t i = 0;
	while (i < st->nsvcs && strcmp(st->svcs[i].name, name) != 0)
		i++;
	return i;
}

/* Marks service i and, with deps, what it depends on (the loader has
 * refused cycles; the mark stops a walk that meets one anyway). */
static void mark(const struct stack *st, size_t i, bool deps, bool *on)
{
	if (i >= st->nsvcs || on[i])
		return;
	on[i] = true;
	for (size_t k = 0; deps && k < st->svcs[i].depends_on.n; k++)
		mark(st, index_of(st, st->svcs[i].depends_on.v[k]), deps, on);
}

bool *svc_args_closure(const struct stack *st, const struct strv *names, bool deps)
{
	if (names->n == 0)
		return NULL;
	bool *on = xcalloc(st->nsvcs ? st->nsvcs : 1, sizeof *on);
	for (size_t i = 0; i < names->n; i++)
		mark(st, index_of(st, names->v[i]), deps, on);
	return on;
}

bool svc_args_all_services(const struct stack *st, const struct strv *names)
{
	for (size_t i = 0; i < names->n; i++)
		if (!stack_find(st, names->v[i]))
			return false;
	return true;
}

bool svc_args_has(const struct strv *names, const char *name)
{
	if (names->n == 0)
		return true;
	for (size_t i = 0; i < names->n; i++)
		if (strcmp(names->v[i], name) == 0)
			return true;
	return false;
}

json_t *svc_args_json(const struct strv *names)
{
	json_t *a = json_array();
	for (size_t i = 0; i < names->n; i++)
		json_array_append_new(a, json_string(names->v[i]));
	return a;
}
