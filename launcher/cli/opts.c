#include "cli/opts.h"

#include <string.h>

void opts_init(struct opt_parser *p, int argc, char **argv)
{
	*p = (struct opt_parser){.argc = argc, .argv = argv, .i = 1, .cmd = argv[0]};
}

static const struct opt_def *find_long(const struct opt_def *defs, const char *name, size_t len)
{
	for (; defs->id; defs++)
		if (defs->long_name && strlen(defs->long_name) == len &&
		    strncmp(defs->long_name, name, len) == 0)
			return defs;
	return NULL;
}

static const struct opt_def *find_short(const struct opt_def *defs, char c)
{
	for (; defs->id; defs++)
		if (defs->short_name == c)
			return defs;
	return NULL;
}

static int parse_long(struct opt_parser *p, const struct opt_def *defs, const char **arg,
		      struct clan_err *err)
{
	const char *word = p->argv[p->i++] + 2;
	const char *eq = strchr(word, '=');
	size_t len = eq ? (size_t)(eq - word) : strlen(word);
	const struct opt_def *d = find_long(defs, word, len);

	if (!d)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s: unknown flag '--%.*s' (see clan %s --help)", p->cmd,
				       (int)len, word, p->cmd);
	if (!d->has_arg) {
		if (eq)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: flag '--%s' takes no value", p->cmd,
					       d->long_name);
		return d->id;
	}
	if (eq) {
		*arg = eq + 1;
	} else if (p->i < p->argc) {
		*arg = p->argv[p->i++];
	} else {
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: flag '--%s' needs a value",
				       p->cmd, d->long_name);
	}
	return d->id;
}

static int parse_short(struct opt_parser *p, const struct opt_def *defs, const char **arg,
		       struct clan_err *err)
{
	char c = *p->cluster++;
	const struct opt_def *d = find_short(defs, c);

	if (!d)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s: unknown flag '-%c' (see clan %s --help)", p->cmd, c,
				       p->cmd);
	if (!d->has_arg) {
		if (!*p->cluster)
			p->cluster = NULL;
		return d->id;
	}
	if (*p->cluster) {
		*arg = p->cluster;
	} else if (p->i < p->argc) {
		*arg = p->argv[p->i++];
	} else {
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: flag '-%c' needs a value", p->cmd,
				       c);
	}
	p->cluster = NULL;
	return d->id;
}

int opts_next(struct opt_parser *p, const struct opt_def *defs, const char **arg,
	      struct clan_err *err)
{
	*arg = NULL;
	if (p->cluster)
		return parse_short(p, defs, arg, err);
	if (p->i >= p->argc)
		return 0;
	const char *a = p->argv[p->i];
	if (strcmp(a, "--") == 0) {
		p->i++;
		return 0;
	}
	if (a[0] != '-' || a[1] == '\0')
		return 0;
	if (a[1] == '-')
		return parse_long(p, defs, arg, err);
	p->cluster = a + 1;
	p->i++;
	return parse_short(p, defs, arg, err);
}
