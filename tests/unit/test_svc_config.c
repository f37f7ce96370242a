/* Unit tests for the config comparison of a running stack (svc_config.c,
 * up_drift.c's plan): what `up -d` recreates, starts or leaves alone. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config/svc_config.h"
#include "tap.h"
#include "cli/up_drift.h"

static const char *const names[] = {"db", "web"};

static void make_service(struct service *s, const char *name, const char *env)
{
	*s = (struct service){.name = xstrdup(name), .image = xstrdup("dir:/rootfs")};
	strv_push(&s->command, "sleep");
	strv_push(&s->command, "1000");
	strv_push(&s->environment, env);
	s->stop_signal = SIGTERM;
	s->stop_grace_ms = 10000;
}

TEST(round_trip)
{
	struct service s, back;
	make_service(&s, "web", "FOO=one");
	strv_push(&s.depends_on, "db");
	s.has_health = true;
	strv_push(&s.health.test, "true");
	s.health.interval_ms = 500;
	s.restart = RESTART_ON_FAILURE;
	s.ports = xcalloc(1, sizeof *s.ports);
	s.nports = 1;
	strcpy(s.ports[0].host_ip, "127.0.0.1");
	s.ports[0].host_port = 8080;
	s.ports[0].container_port = 80;
	s.ports[0].count = 1;
	s.mounts = xcalloc(2, sizeof *s.mounts);
	s.nmounts = 2;
	s.mounts[0].src = xstrdup("/srv/app");
	s.mounts[0].dst = xstrdup("/app");
	s.mounts[0].ro = true;
	s.mounts[1].volume = xstrdup("data");
	s.mounts[1].volume_name = xstrdup("shared-data");
	s.mounts[1].external = true;
	s.mounts[1].dst = xstrdup("/data");
	json_t *j = svc_config_json(&s);
	char why[160];
	CHECK(svc_config_parse(j, names, 2, &back, why, sizeof why) == 0);
	json_t *j2 = svc_config_json(&back);
	CHECK(json_equal(j, j2));
	CHECK(svc_config_diff(j, j2) == NULL);
	CHECK_STR(back.mounts[1].volume_name, "shared-data");
	CHECK(back.mounts[1].external && !back.mounts[0].external);
	/* what a recreated service's starting check waits for */
	CHECK(back.nlisten_tcp == 1 && back.listen_tcp[0] == 80);
	service_free(&back);
	/* a storage name that is a path: refused */
	json_t *bad = json_deep_copy(j);
	json_object_set_new(json_array_get(json_object_get(bad, "mounts"), 1), "volume_name",
			    json_string("../x"));
	CHECK(svc_config_parse(bad, names, 2, &back, why, sizeof why) < 0);
	CHECK_STR(why, "bad service config: mounts has a bad volume name");
	json_decref(bad);
	/* depending on itself, or on a service the stack lacks: refused */
	static const char *const only_web[] = {"web"};
	CHECK(svc_config_parse(j, only_web, 1, &back, why, sizeof why) < 0);
	CHECK_STR(why, "bad service config: depends_on names an unknown service or itself");
	CHECK(back.name == NULL);
	json_object_set_new(j, "restart", json_string("sometimes"));
	CHECK(svc_config_parse(j, names, 2, &back, why, sizeof why) < 0);
	CHECK_STR(why, "bad service config: restart is not a restart policy");
	json_decref(j);
	json_decref(j2);
	service_free(&s);
}

TEST(diff_names_fields)
{
	struct service a, b;
	make_service(&a, "web", "FOO=one");
	make_service(&b, "web", "FOO=two");
	json_t *ja = svc_config_json(&a), *jb = svc_config_json(&b);
	char *d = svc_config_diff(ja, jb);
	CHECK_STR(d, "environment");
	CHECK(!svc_config_needs_pod(ja, jb));
	free(d);
	free(b.image);
	b.image = xstrdup("dir:/other");
	json_decref(jb);
	jb = svc_config_json(&b);
	d = svc_config_diff(ja, jb);
	CHECK_STR(d, "image, environment");
	free(d);
	/* an alias is in every service's /etc/hosts, the pod's: the whole stack */
	strv_push(&b.aliases, "www");
	json_decref(jb);
	jb = svc_config_json(&b);
	CHECK(svc_config_needs_pod(ja, jb));
	json_decref(ja);
	json_decref(jb);
	service_free(&a);
	service_free(&b);
}

/* The supervisor's "config" answer for st, each service in state. */
static json_t *running_of(const struct stack *st, const char *const *states, const int *codes)
{
	json_t *a = json_array();
	for (size_t i = 0; i < st->nsvcs; i++)
		json_array_append_new(a, json_pack("{s:s,s:s,s:i,s:o}", "service", st->svcs[i].name,
						   "state", states[i], "exit_code", codes[i],
						   "config", svc_config_json(&st->svcs[i])));
	return a;
}

TEST(plan)
{
	struct service svcs[3];
	make_service(&svcs[0], "db", "A=1");
	make_service(&svcs[1], "web", "FOO=one");
	make_service(&svcs[2], "job", "B=1");
	struct stack st = {.name = "p", .svcs = svcs, .nsvcs = 3};
	static const char *const states[] = {"running", "running", "exited"};
	static const int codes[] = {0, 0, 0};
	json_t *running = running_of(&st, states, codes);
	struct drift_plan p;
	/* unchanged: nothing running restarts; the finished job (exit 0)
	 * runs again, as compose's up starts what exited */
	drift_plan_make(&st, running, &p);
	CHECK(!p.whole && json_array_size(p.recreate) == 0 && json_array_size(p.start) == 1);
	CHECK(p.lines.n == 1 && strcmp(p.lines.v[0], "Starting job (it exited with code 0)") == 0);
	drift_plan_free(&p);
	/* web's environment edited: web alone */
	strv_free(&svcs[1].environment);
	strv_push(&svcs[1].environment, "FOO=two");
	drift_plan_make(&st, running, &p);
	CHECK(!p.whole && json_array_size(p.recreate) == 1 && json_array_size(p.start) == 1);
	CHECK_STR(json_string_value(json_object_get(json_array_get(p.recreate, 0), "name")), "web");
	CHECK(p.lines.n == 2);
	CHECK_STR(p.lines.v[0], "Recreating web (environment changed)");
	drift_plan_free(&p);
	json_decref(running);
	/* db stopped, job failed: both start */
	static const char *const states2[] = {"stopped", "running", "exited"};
	static const int codes2[] = {0, 0, 3};
	running = running_of(&st, states2, codes2);
	drift_plan_make(&st, running, &p);
	CHECK(json_array_size(p.start) == 2 && json_array_size(p.recreate) == 0);
	CHECK_STR(p.lines.v[1], "Starting job (it exited with code 3)");
	drift_plan_free(&p);
	/* up job web: only they are looked at (db, stopped, is left) */
	bool only[] = {false, true, true}, named[] = {false, true, false};
	struct drift_opts o = {.only = only};
	drift_plan_make_for(&st, running, &o, &p);
	CHECK(json_array_size(p.start) == 1 && json_array_size(p.recreate) == 0);
	CHECK_STR(json_string_value(json_array_get(p.start, 0)), "job");
	drift_plan_free(&p);
	/* --force-recreate web: web recreated unchanged; job (a dependency
	 * here, not named) only started */
	o = (struct drift_opts){.only = only, .named = named, .force = true};
	drift_plan_make_for(&st, running, &o, &p);
	CHECK(json_array_size(p.recreate) == 1 && json_array_size(p.start) == 1);
	CHECK_STR(p.lines.v[0], "Recreating web (--force-recreate)");
	drift_plan_free(&p);
	/* a service removed from the files: the whole stack */
	st.nsvcs = 2;
	drift_plan_make(&st, running, &p);
	CHECK(p.whole);
	CHECK_STR(p.why, "service job was removed");
	drift_plan_free(&p);
	json_decref(running);
	for (size_t i = 0; i < 3; i++)
		service_free(&svcs[i]);
}
