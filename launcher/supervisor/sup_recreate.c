/* `clan up -d` on a running stack, in the supervisor: a service whose
 * config changed gets its new container spec first (a spec that cannot
 * be built refuses the request and touches nothing), then is stopped
 * (with its old stop signal and grace period) and starts again with it;
 * a service that was stopped, or failed, starts. Every other service
 * keeps running. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/sup_int.h"
#include "config/svc_config.h"
#include "base/util.h"

static void free_service(struct service *svc)
{
	if (svc)
		service_free(svc);
	free(svc);
}

void svc_drop_pending(struct svc_rt *r)
{
	if (!r->pending)
		return;
	free_service(r->pending);
	r->pending = NULL;
	spec_free(&r->pending_spec);
}

void svc_apply_pending(struct svc_rt *r)
{
	if (!r->pending || svc_active(r))
		return;
	spec_free(&r->spec);
	r->spec = r->pending_spec;
	spec_init(&r->pending_spec);
	free_service(r->own_svc);
	r->own_svc = r->pending;
	r->svc = r->own_svc;
	r->pending = NULL;
	r->restarts = 0;
	static const char note[] = "clan: recreated with the changed config";
	log_line(&r->log, 'e', note, sizeof note - 1);
}

/* Whether what changed is held by the pod for every service (published
 * ports, names): only a new stack can change it. */
static bool needs_pod(const struct service *now, const struct service *next)
{
	json_t *a = svc_config_json(now), *b = svc_config_json(next);
	bool pod = svc_config_needs_pod(a, b);
	json_decref(a);
	json_decref(b);
	return pod;
}

int sup_up_prepare(struct sup *s, struct ctl_request *req, char *why, size_t len)
{
	struct container_spec *specs = xcalloc(s->n ? s->n : 1, sizeof *specs);
	bool *built = xcalloc(s->n ? s->n : 1, sizeof *built);
	int rc = 0;
	for (size_t i = 0; i < s->n && i < req->n && rc == 0; i++) {
		if (!req->recreate[i].name)
			continue;
		struct clan_err err = {0};
		built[i] = true;
		if (needs_pod(s->svcs[i].svc, &req->recreate[i])) {
			spec_init(&specs[i]);
			snprintf(why, len,
				 "service %s: its ports or names changed, which the stack's pod "
				 "holds: the whole stack must be recreated",
				 req->recreate[i].name);
			rc = -1;
		} else if (svc_build_spec(s, &req->recreate[i], &specs[i], &err) < 0) {
			snprintf(why, len, "%s", err.msg);
			rc = -1;
		}
	}
	for (size_t i = 0; i < s->n && i < req->n; i++) {
		if (!built[i])
			continue;
		if (rc < 0) {
			spec_free(&specs[i]);
			continue;
		}
		struct svc_rt *r = &s->svcs[i];
		svc_drop_pending(r);
		r->pending = xmalloc(sizeof *r->pending);
		*r->pending = req->recreate[i];
		req->recreate[i] = (struct service){0};
		r->pending_spec = specs[i];
	}
	free(specs);
	free(built);
	return rc;
}

void sup_up_op(struct sup *s, struct ctl_request *req)
{
	for (size_t i = 0; i < s->n && i < req->n; i++) {
		struct svc_rt *r = &s->svcs[i];
		if (r->pending) {
			/* as a restart: the new config goes in once it is down */
			req->targets[i] = true;
			r->want_stop = true;
			r->restart_after_stop = true;
			if (svc_active(r)) {
				svc_stop(s, r);
				continue;
			}
			svc_apply_pending(r);
			r->want_stop = r->restart_after_stop = false;
			r->state = SVC_WAITING;
		} else if (req->targets[i] && (r->state == SVC_STOPPED || r->state == SVC_EXITED)) {
			r->want_stop = false;
			r->state = SVC_WAITING;
		}
		if (req->targets[i] && req->no_deps && r->state == SVC_WAITING)
			r->no_deps = true;
	}
	if (s->n)
		sup_service_changed(s, &s->svcs[0]);
}
