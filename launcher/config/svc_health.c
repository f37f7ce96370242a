#define _GNU_SOURCE
#include "config/svc_health.h"

#include <limits.h>
#include <string.h>

static int ns_to_ms(int64_t ns)
{
	int64_t ms = ns / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* The files' timing when they give one, else the image's. */
static void take_timing(int *slot, int64_t image_ns)
{
	if (*slot <= 0)
		*slot = ns_to_ms(image_ns);
}

void svc_health_from_image(struct service *s, const struct image_health *h)
{
	if ((s->has_health && !s->health_from_profile) || s->health_off || h->test.n < 2)
		return;
	bool shell = strcmp(h->test.v[0], "CMD-SHELL") == 0;
	if (!shell && strcmp(h->test.v[0], "CMD") != 0)
		return;
	if (s->health_from_profile) {
		/* the profile's timings go with its test */
		strv_free(&s->health.test);
		s->health = (struct healthcheck){0};
	}
	struct strv t = {0};
	if (shell) {
		strv_push(&t, "/bin/sh");
		strv_push(&t, "-c");
	}
	for (size_t i = 1; i < h->test.n; i++)
		strv_push(&t, h->test.v[i]);
	strv_free(&s->health.test);
	s->health.test = t;
	take_timing(&s->health.interval_ms, h->interval_ns);
	take_timing(&s->health.timeout_ms, h->timeout_ns);
	take_timing(&s->health.start_period_ms, h->start_period_ns);
	if (s->health.retries <= 0)
		s->health.retries = h->retries;
	s->has_health = true;
	s->health_from_profile = false;
}

int svc_health_check_deps(const struct stack *st, const bool *only, struct clan_err *err)
{
	for (size_t i = 0; i < st->nsvcs; i++) {
		const struct service *s = &st->svcs[i];
		if (only && !only[i])
			continue;
		for (size_t j = 0; s->dep_conds && j < s->depends_on.n; j++) {
			const struct service *d = stack_find(st, s->depends_on.v[j]);
			/* a dependency up did not look at (--no-deps) is as it runs */
			if (s->dep_conds[j] != DEP_HEALTHY || !d || d->has_health ||
			    (only && !only[d - st->svcs]))
				continue;
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "service %s waits for %s to be healthy, but %s has no "
			    "health check: neither its files nor its image %s "
			    "give one (give it a healthcheck:)",
			    s->name, d->name, d->name, d->image);
		}
	}
	return 0;
}
