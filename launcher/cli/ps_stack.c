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

int ps_stack(const struct project_args *args, bool all, bool json, struct clan_err *err)
{
	struct stack_ctx c;
	if (stack_ctx_open(&c, args, err) < 0)
		return -1;
	int rc = 0;
	json_t *answer = NULL;
	pid_t pid = 0;
	if (stack_supervisor_alive(&c.ss, &pid)) {
		json_t *req = json_pack("{s:s}", "op", "ps");
		rc = sup_request(&c.ss, req, &answer, err);
		json_decref(req);
		/* it was on its way out (down, Ctrl-C): then it is not running */
		if (rc < 0 && stack_wait_exit(pid) == 0)
			rc = 1;
	}
	if (rc == 0 && answer) {
		json_t *svcs = json_object_get(answer, "services");
		if (json) {
			char *text = json_dumps(svcs, JSON_INDENT(2));
			puts(text ? text : "[]");
			free(text);
		} else {
			print_table(svcs, all);
		}
		json_decref(answer);
	} else if (rc >= 0) {
		rc = 0;
		bool was = access(c.ss.pidfile, F_OK) == 0;
		if (json)
			puts("[]");
		else
			print_table(NULL, all);
		fprintf(stderr, "clan: the stack %s is not running%s; clan up -d starts it\n",
			c.st.name,
			was ? ": its supervisor is gone (killed?), nothing of it is left running"
			    : "");
	}
	stack_ctx_free(&c);
	return rc;
}
