#define _GNU_SOURCE
#include "supervisor/sup_request.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/svc_config.h"
#include "base/util.h"

void ctl_request_free(struct ctl_request *r)
{
	free(r->targets);
	r->targets = NULL;
	for (size_t i = 0; r->recreate && i < r->n; i++)
		service_free(&r->recreate[i]);
	free(r->recreate);
	r->recreate = NULL;
}

static int refuse(struct ctl_request *out, const char *why, const char *what)
{
	ctl_request_free(out);
	out->op = NULL;
	snprintf(out->error, sizeof out->error, "%s%s", why, what ? what : "");
	return -1;
}

static size_t index_of(const char *name, const char *const *names, size_t n)
{
	size_t i = 0;
	while (i < n && (!name || strcmp(names[i], name) != 0))
		i++;
	return i;
}

/* Which services a request names; an unknown name refuses it. An empty
 * list means all, or none (up: only what it names starts). */
static int targets_of(json_t *list, bool empty_is_all, const char *const *names, size_t n,
		      struct ctl_request *out)
{
	out->targets = xcalloc(n ? n : 1, sizeof *out->targets);
	if (list && !json_is_array(list))
		return refuse(out, "bad request: services is not a list", NULL);
	if (json_array_size(list) == 0) {
		for (size_t i = 0; i < n; i++)
			out->targets[i] = empty_is_all;
		return 0;
	}
	for (size_t k = 0; k < json_array_size(list); k++) {
		const char *name = json_string_value(json_array_get(list, k));
		size_t i = index_of(name, names, n);
		if (i == n)
			return refuse(out, "no such service: ", name ? name : "?");
		out->targets[i] = true;
	}
	return 0;
}

/* up's new configs: each a whole service, once, of this stack. */
static int recreate_of(json_t *list, const char *const *names, size_t n, struct ctl_request *out)
{
	out->recreate = xcalloc(n ? n : 1, sizeof *out->recreate);
	if (list && !json_is_array(list))
		return refuse(out, "bad request: recreate is not a list", NULL);
	for (size_t k = 0; k < json_array_size(list); k++) {
		struct service svc;
		char why[sizeof out->error];
		if (svc_config_parse(json_array_get(list, k), names, n, &svc, why, sizeof why) < 0)
			return refuse(out, why, NULL);
		size_t i = index_of(svc.name, names, n);
		if (out->recreate[i].name) {
			service_free(&svc);
			return refuse(out, "bad request: recreates twice: ", names[i]);
		}
		out->recreate[i] = svc;
	}
	return 0;
}

/* The options a request may carry: "timeout" (seconds, 0 to 86400),
 * "signal" (1 to 64), "no_deps" (a boolean). */
static int options_of(json_t *req, struct ctl_request *out)
{
	json_t *t = json_object_get(req, "timeout"), *sig = json_object_get(req, "signal");
	json_t *nd = json_object_get(req, "no_deps");
	if (t &&
	    (!json_is_integer(t) || json_integer_value(t) < 0 || json_integer_value(t) > 86400))
		return refuse(out, "bad request: timeout is not 0 to 86400 seconds", NULL);
	if (sig &&
	    (!json_is_integer(sig) || json_integer_value(sig) < 1 || json_integer_value(sig) > 64))
		return refuse(out, "bad request: signal is not 1 to 64", NULL);
	if (nd && !json_is_boolean(nd))
		return refuse(out, "bad request: no_deps is not a boolean", NULL);
	if (t)
		out->timeout_s = (int)json_integer_value(t);
	if (sig)
		out->signal = (int)json_integer_value(sig);
	out->no_deps = json_is_true(nd);
	return 0;
}

int ctl_request_parse(const char *text, const char *const *names, size_t n, struct ctl_request *out)
{
	static const char *const ops[] = {"ps",	   "config",  "down", "stop",
					  "start", "restart", "up",   "kill"};
	*out = (struct ctl_request){.n = n, .timeout_s = -1, .signal = SIGKILL};
	json_error_t je;
	json_t *req = json_loads(text, 0, &je);
	const char *op = json_string_value(json_object_get(req, "op"));
	int rc = 0;
	if (!op) {
		rc = refuse(out, "bad request", NULL);
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(ops) && !out->op; i++)
			if (strcmp(op, ops[i]) == 0)
				out->op = ops[i];
		bool up = out->op && strcmp(out->op, "up") == 0;
		if (!out->op)
			rc = refuse(out, "unknown operation", NULL);
		else if (up)
			rc =
			    targets_of(json_object_get(req, "services"), false, names, n, out) <
					0 ||
				    recreate_of(json_object_get(req, "recreate"), names, n, out) < 0
				? -1
				: 0;
		else if (strcmp(out->op, "stop") == 0 || strcmp(out->op, "start") == 0 ||
			 strcmp(out->op, "restart") == 0 || strcmp(out->op, "kill") == 0)
			rc = targets_of(json_object_get(req, "services"), true, names, n, out);
		if (rc == 0 && out->op)
			rc = options_of(req, out);
	}
	json_decref(req);
	return rc;
}
