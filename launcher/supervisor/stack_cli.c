#define _GNU_SOURCE
#include "supervisor/stack_cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/progress.h"
#include "base/paths.h"
#include "base/procfs.h"
#include "config/project_find.h"
#include "supervisor/secrets.h"
#include "supervisor/sup_ctl.h"
#include "base/strbuf.h"
#include "base/suggest.h"
#include "base/util.h"

bool stack_here(const struct project_args *args)
{
	if (args && (args->files.n || args->dir))
		return true;
	_cleanup_free_ char *cwd = realpath(".", NULL);
	_cleanup_free_ char *dir = cwd ? project_find(cwd, getenv("HOME"), getuid(), NULL) : NULL;
	return dir != NULL;
}

int stack_ctx_open(struct stack_ctx *c, const struct project_args *args, struct clan_err *err)
{
	*c = (struct stack_ctx){0};
	c->storage = paths_storage_dir();
	struct stack_load_opts o = {
	    .args = args, .secret = secret_for_stack, .secret_arg = c->storage};
	if (stack_load(&o, &c->st, err) < 0) {
		stack_ctx_free(c);
		return -1;
	}
	for (size_t i = 0; i < c->st.warnings.n; i++)
		progress_warn("%s", c->st.warnings.v[i]);
	if (stack_state_open(&c->st, &c->ss, err) < 0) {
		stack_ctx_free(c);
		return -1;
	}
	return 0;
}

int stack_ctx_open_here(struct stack_ctx *c, const struct project_args *args, struct clan_err *err)
{
	if (!stack_here(args))
		return 0;
	return stack_ctx_open(c, args, err) < 0 ? -1 : 1;
}

void stack_ctx_free(struct stack_ctx *c)
{
	stack_free(&c->st);
	stack_state_free(&c->ss);
	free(c->storage);
	*c = (struct stack_ctx){0};
}

/* "web, db; did you mean web?": the services of st, for a key that
 * names neither a service nor a container. */
static char *services_hint(const struct stack *st, const char *key)
{
	const char **names = xcalloc(st->nsvcs + 1, sizeof *names);
	struct strbuf b = {0};
	for (size_t i = 0; i < st->nsvcs; i++) {
		names[i] = st->svcs[i].name;
		if (i)
			strbuf_adds(&b, ", ");
		strbuf_adds(&b, names[i]);
	}
	const char *near = suggest_nearest(key, names, st->nsvcs);
	if (near) {
		strbuf_adds(&b, "; did you mean ");
		strbuf_adds(&b, near);
		strbuf_adds(&b, "?");
	}
	free(names);
	return strbuf_steal(&b);
}

int stack_find_container(const struct project_args *args, const char *key,
			 struct container_rec *rec, struct clan_err *err)
{
	_cleanup_free_ char *storage = paths_storage_dir();
	_cleanup_free_ char *hint = NULL, *project = NULL;
	if (stack_here(args)) {
		struct stack_ctx c;
		if (stack_ctx_open(&c, args, err) < 0)
			return -1;
		int rc = 1;
		if (stack_find(&c.st, key)) {
			_cleanup_free_ char *name = stack_container_name(&c.ss, c.st.name, key);
			rc = store_find(storage, name, rec, err);
			if (rc < 0)
				clan_error_code(err, CLAN_EXIT_FAIL,
						"service %s is not running (clan ps; clan up -d)",
						key);
		} else {
			hint = services_hint(&c.st, key);
			project = xstrdup(c.st.name);
		}
		stack_ctx_free(&c);
		if (rc <= 0)
			return rc;
	}
	int rc = store_find(storage, key, rec, err);
	if (rc < 0 && hint && err->code == CLAN_EXIT_FAIL)
		clan_error_code(err, CLAN_EXIT_FAIL,
				"no service or container %s (the services of %s: %s)", key, project,
				hint);
	return rc;
}

int stack_need_supervisor(const struct stack_ctx *c, const char *cmd, struct clan_err *err)
{
	pid_t pid;
	if (stack_supervisor_alive(&c->ss, &pid))
		return (int)pid;
	return clan_error_code(err, CLAN_EXIT_FAIL,
			       "%s: the stack %s is not running (start it with clan up -d)", cmd,
			       c->st.name);
}

int stack_wait_exit(pid_t pid)
{
	/* the answer to "down" comes just before it exits */
	for (int i = 0; i < 200; i++) {
		if (kill(pid, 0) < 0 || proc_start_time(pid) == 0)
			return 0;
		struct timespec ts = {0, 25 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* ps's "ports" are as port_map_format writes them: "IP:HOST->PORT/tcp". */
static const char *port_in(json_t *svc, const char *tail)
{
	const char *found = NULL;
	size_t k;
	json_t *p;
	json_array_foreach(json_object_get(svc, "ports"), k, p)
	{
		const char *text = json_string_value(p);
		size_t len = text ? strlen(text) : 0;
		if (len > strlen(tail) && strcmp(text + len - strlen(tail), tail) == 0)
			found = text;
	}
	return found;
}

char *stack_bound_port(const struct stack_state *ss, const char *svc, unsigned port,
		       enum port_proto proto, struct clan_err *err)
{
	json_t *req = json_pack("{s:s}", "op", "ps"), *answer = NULL;
	int rc = sup_request(ss, req, &answer, err);
	json_decref(req);
	if (rc < 0)
		return NULL;
	_cleanup_free_ char *tail = xasprintf("->%u/%s", port, port_proto_name(proto));
	const char *found = NULL;
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(answer, "services"), i, s)
	{
		const char *name = json_string_value(json_object_get(s, "service"));
		if (name && strcmp(name, svc) == 0)
			found = port_in(s, tail);
	}
	char *addr = found ? xstrndup(found, strlen(found) - strlen(tail)) : NULL;
	json_decref(answer);
	if (!addr) {
		clan_error_code(err, CLAN_EXIT_FAIL, "%s is not running, so %u/%s has no host port",
				svc, port, port_proto_name(proto));
		return NULL;
	}
	const char *colon = strrchr(addr, ':');
	/* port 0: the supervisor of an earlier clan, which kept the file's */
	if (!colon || strcmp(colon, ":0") == 0) {
		free(addr);
		clan_error_code(err, CLAN_EXIT_FAIL,
				"the stack does not say which port the kernel picked for %u/%s of "
				"%s; clan down and up again tell",
				port, port_proto_name(proto), svc);
		return NULL;
	}
	return addr;
}
