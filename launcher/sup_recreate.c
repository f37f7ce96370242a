/* `clan up -d` on a running stack, in the supervisor: a service whose
 * config changed is stopped (with its old stop signal and grace period),
 * gets its new container spec and starts again; a service that was
 * stopped, or failed, starts. Every other service keeps running. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup_int.h"
#include "svc_config.h"
#include "util.h"

bool svc_apply_pending(struct sup *s, struct svc_rt *r)
{
	if (!r->pending || svc_active(r))
		return true;
	struct service *next = r->pending;
	r->pending = NULL;
	struct container_spec spec;
	struct clan_err err = {0};
	if (svc_build_spec(s, next, &spec, &err) < 0) {
		/* it keeps its old config and stays down: `up` reports this */
		spec_free(&spec);
		service_free(next);
		free(next);
		r->state = SVC_EXITED;
		r->want_stop = true;
		r->restart_after_stop = false;
		r->exit_code = err.code;
		free(r->error);
		r->error = xstrdup(err.msg);
		log_line(&r->log, 'e', err.msg, strlen(err.msg));
		return false;
	}
	spec_free(&r->spec);
	r->spec = spec;
	if (r->own_svc) {
		service_free(r->own_svc);
		free(r->own_svc);
	}
	r->own_svc = next;
	r->svc = next;
	r->restarts = 0;
	static const char note[] = "clan: recreated with the changed config";
	log_line(&r->log, 'e', note, sizeof note - 1);
	return true;
}

/* A new config: an active service stops first and comes back with it
 * (as a restart does); any other swaps it now and starts. */
static void recreate(struct sup *s, struct svc_rt *r, struct service *next)
{
	if (r->pending) {
		service_free(r->pending);
		free(r->pending);
	}
	r->pending = next;
	r->want_stop = true;
	r->restart_after_stop = true;
	if (svc_active(r)) {
		svc_stop(r);
		return;
	}
	if (svc_apply_pending(s, r)) {
		r->want_stop = false;
		r->restart_after_stop = false;
		r->state = SVC_WAITING;
	}
}

void sup_up_op(struct sup *s, struct ctl_request *req)
{
	for (size_t i = 0; i < s->n && i < req->n; i++) {
		struct svc_rt *r = &s->svcs[i];
		if (req->recreate[i].name) {
			struct service *next = xmalloc(sizeof *next);
			*next = req->recreate[i];
			req->recreate[i] = (struct service){0};
			recreate(s, r, next);
			req->targets[i] = true;
		} else if (req->targets[i] && (r->state == SVC_STOPPED || r->state == SVC_EXITED)) {
			r->want_stop = false;
			r->state = SVC_WAITING;
		}
	}
	if (s->n)
		sup_service_changed(s, &s->svcs[0]);
}

int sup_up_check(const struct sup *s, const struct ctl_request *req, char *why, size_t len)
{
	for (size_t i = 0; i < s->n && i < req->n; i++) {
		if (!req->recreate[i].name)
			continue;
		json_t *now = svc_config_json(s->svcs[i].svc);
		json_t *next = svc_config_json(&req->recreate[i]);
		bool pod = svc_config_needs_pod(now, next);
		json_decref(now);
		json_decref(next);
		if (pod) {
			snprintf(why, len,
				 "service %s: its ports or names changed, which the stack's pod "
				 "holds: the whole stack must be recreated",
				 s->svcs[i].svc->name);
			return -1;
		}
	}
	return 0;
}
