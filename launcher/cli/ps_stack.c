/* clan ps in a project dir: the stack's services as its supervisor sees
 * them (state, health, ports, uptime), or that the stack is not running. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/format.h"
#include "cli/ps_stack.h"
#include "cli/svc_args.h"
#include "container/store.h"
#include "supervisor/stack_cli.h"
#include "supervisor/sup_ctl.h"

/* "5 seconds", "About an hour": docker's words, as `clan ps` outside a
 * stack and compose's "Up 5 seconds" */
static void uptime(int64_t started, char *buf, size_t len)
{
	format_duration((int64_t)time(NULL) - started, buf, len);
}

static bool shown(const char *state, bool all)
{
	return all || strcmp(state, "running") == 0 || strcmp(state, "starting") == 0 ||
	       strcmp(state, "stopping") == 0 || strcmp(state, "restarting") == 0;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* compose's Publishers of "127.0.0.1:8080->80/tcp" (ranges: their first
 * port, as port_map_format writes them). */
static json_t *publishers(json_t *ports)
{
	json_t *out = json_array();
	for (size_t k = 0; k < json_array_size(ports); k++) {
		const char *p = json_string_value(json_array_get(ports, k));
		const char *arrow = p ? strstr(p, "->") : NULL;
		const char *colon = arrow ? memrchr(p, ':', (size_t)(arrow - p)) : NULL;
		const char *slash = arrow ? strchr(arrow, '/') : NULL;
		if (!colon || !slash)
			continue;
		_cleanup_free_ char *ip = xstrndup(p, (size_t)(colon - p));
		json_array_append_new(out, json_pack("{s:s,s:i,s:i,s:s}", "URL", ip, "TargetPort",
						     atoi(arrow + 2), "PublishedPort",
						     atoi(colon + 1), "Protocol", slash + 1));
	}
	return out;
}

/* compose's keys (Name, Service, State, Health, ExitCode, Publishers...)
 * added to each service's, which clan's own scripts read. */
static void add_compose_keys(json_t *s, const struct stack_ctx *c, const char *storage)
{
	const char *name = str(s, "name"), *state = str(s, "state");
	struct container_rec rec;
	struct clan_err ignored;
	char id[80];
	/* a service that ended has no container on record: its name */
	snprintf(id, sizeof id, "%s", name);
	if (store_find(storage, name, &rec, &ignored) == 0) {
		snprintf(id, sizeof id, "%s", rec.id);
		container_rec_free(&rec);
	}
	char status[64] = "", up[32];
	if (strcmp(state, "running") == 0 || strcmp(state, "starting") == 0) {
		uptime(json_integer_value(json_object_get(s, "started")), up, sizeof up);
		snprintf(status, sizeof status, "Up %s", up);
	} else if (strcmp(state, "exited") == 0) {
		snprintf(status, sizeof status, "Exited (%d)",
			 (int)json_integer_value(json_object_get(s, "exit_code")));
	}
	json_object_set_new(s, "ID", json_string(id));
	json_object_set_new(s, "Name", json_string(name));
	json_object_set_new(s, "Image", json_string(str(s, "image")));
	json_object_set_new(s, "Project", json_string(c->st.name));
	json_object_set_new(s, "Service", json_string(str(s, "service")));
	json_object_set_new(s, "State", json_string(state));
	json_object_set_new(s, "Status", json_string(status));
	json_object_set_new(s, "Health", json_string(str(s, "health")));
	json_object_set_new(s, "ExitCode",
			    json_integer(json_integer_value(json_object_get(s, "exit_code"))));
	json_object_set_new(s, "Publishers", publishers(json_object_get(s, "ports")));
}

/* The services ps shows: named (or all), and running unless -a. JSON
 * has every state, as clan's always had (its scripts read exited
 * services' codes there); compose's needs -a for them. */
static json_t *selected(const struct stack_ctx *c, json_t *svcs, const struct ps_stack_opts *o)
{
	json_t *out = json_array();
	bool all = o->all || (o->json && !o->quiet && !o->services);
	for (size_t i = 0; i < json_array_size(svcs); i++) {
		json_t *s = json_array_get(svcs, i);
		const char *state = json_string_value(json_object_get(s, "state"));
		if (!state || !shown(state, all) || !svc_args_has(o->names, str(s, "service")))
			continue;
		add_compose_keys(s, c, c->storage);
		json_array_append(out, s);
	}
	return out;
}

static void print_list(json_t *svcs, const char *key)
{
	for (size_t i = 0; i < json_array_size(svcs); i++)
		printf("%s\n", str(json_array_get(svcs, i), key));
}

static void print_table(json_t *svcs, bool all)
{
	printf("%-28s  %-12s  %-14s  %-10s  %-18s  %-8s  %s\n", "NAME", "SERVICE", "STATE",
	       "HEALTH", "UP", "RESTARTS", "PORTS");
	for (size_t i = 0; i < json_array_size(svcs); i++) {
		json_t *s = json_array_get(svcs, i);
		const char *state = json_string_value(json_object_get(s, "state"));
		if (!state || !shown(state, all))
			continue;
		char state_text[32], up[32] = "-", ports[256] = "";
		/* the exit code of what ended, or of the run a restart follows */
		if (strcmp(state, "exited") == 0 || strcmp(state, "restarting") == 0)
			snprintf(state_text, sizeof state_text, "%s (%d)", state,
				 (int)json_integer_value(json_object_get(s, "exit_code")));
		else
			snprintf(state_text, sizeof state_text, "%s", state);
		if (strcmp(state, "running") == 0 || strcmp(state, "starting") == 0)
			uptime(json_integer_value(json_object_get(s, "started")), up, sizeof up);
		json_t *p = json_object_get(s, "ports");
		for (size_t k = 0; k < json_array_size(p); k++) {
			size_t n = strlen(ports);
			snprintf(ports + n, sizeof ports - n, "%s%s", k ? ", " : "",
				 json_string_value(json_array_get(p, k)));
		}
		const char *health = json_string_value(json_object_get(s, "health"));
		char restarts[16];
		snprintf(restarts, sizeof restarts, "%d",
			 (int)json_integer_value(json_object_get(s, "restarts")));
		printf("%-28s  %-12s  %-14s  %-10s  %-18s  %-8s  %s\n",
		       json_string_value(json_object_get(s, "name")),
		       json_string_value(json_object_get(s, "service")), state_text,
		       health && *health ? health : "-", up, restarts, ports);
	}
}

int ps_stack(const struct project_args *args, const struct ps_stack_opts *o, struct clan_err *err)
{
	struct stack_ctx c;
	if (stack_ctx_open(&c, args, err) < 0)
		return -1;
	int rc = svc_args_check(&c.st, "ps", o->names, err);
	bool json = o->json;
	json_t *answer = NULL;
	pid_t pid = 0;
	if (rc == 0 && stack_supervisor_alive(&c.ss, &pid)) {
		json_t *req = json_pack("{s:s}", "op", "ps");
		rc = sup_request(&c.ss, req, &answer, err);
		json_decref(req);
		/* it was on its way out (down, Ctrl-C): then it is not running */
		if (rc < 0 && stack_wait_exit(pid) == 0)
			rc = 1;
	}
	if (rc == 0 && answer) {
		json_t *svcs = selected(&c, json_object_get(answer, "services"), o);
		if (o->quiet) {
			print_list(svcs, "ID");
		} else if (o->services) {
			print_list(svcs, "service");
		} else if (json) {
			char *text = json_dumps(svcs, JSON_INDENT(2));
			puts(text ? text : "[]");
			free(text);
		} else {
			print_table(svcs, true);
		}
		json_decref(svcs);
		json_decref(answer);
	} else if (rc >= 0) {
		rc = 0;
		bool was = access(c.ss.pidfile, F_OK) == 0;
		if (json && !o->quiet && !o->services)
			puts("[]");
		else if (!o->quiet && !o->services)
			print_table(NULL, true);
		fprintf(stderr, "clan: the stack %s is not running%s; clan up -d starts it\n",
			c.st.name,
			was ? ": its supervisor is gone (killed?), nothing of it is left running"
			    : "");
	}
	stack_ctx_free(&c);
	return rc;
}
