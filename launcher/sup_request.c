#define _GNU_SOURCE
#include "sup_request.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int refuse(struct ctl_request *out, const char *why, const char *what)
{
	free(out->targets);
	out->targets = NULL;
	out->op = NULL;
	snprintf(out->error, sizeof out->error, "%s%s", why, what ? what : "");
	return -1;
}

/* Which services a request names; an unknown name refuses it. */
static int targets_of(json_t *list, const char *const *names, size_t n, struct ctl_request *out)
{
	out->targets = xcalloc(n ? n : 1, sizeof *out->targets);
	if (list && !json_is_array(list))
		return refuse(out, "bad request: services is not a list", NULL);
	if (json_array_size(list) == 0) {
		for (size_t i = 0; i < n; i++)
			out->targets[i] = true;
		return 0;
	}
	for (size_t k = 0; k < json_array_size(list); k++) {
		const char *name = json_string_value(json_array_get(list, k));
		size_t i = 0;
		while (i < n && (!name || strcmp(names[i], name) != 0))
			i++;
		if (i == n)
			return refuse(out, "no such service: ", name ? name : "?");
		out->targets[i] = true;
	}
	return 0;
}

int ctl_request_parse(const char *text, const char *const *names, size_t n,
		      struct ctl_request *out)
{
	static const char *const ops[] = {"ps", "down", "stop", "start", "restart"};
	*out = (struct ctl_request){0};
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
		if (!out->op)
			rc = refuse(out, "unknown operation", NULL);
		else if (strcmp(out->op, "ps") != 0 && strcmp(out->op, "down") != 0)
			rc = targets_of(json_object_get(req, "services"), names, n, out);
	}
	json_decref(req);
	return rc;
}
