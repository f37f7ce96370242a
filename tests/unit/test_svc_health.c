/* Unit tests for svc_health.c: a service takes its image's HEALTHCHECK
 * when its files give none (the files' timings over the image's, an
 * image's check over a profile's guess, never when disabled), and up
 * refuses to wait for the health of a service that has no check at all. */
#include <string.h>

#include "config/svc_health.h"
#include "tap.h"

static void image_check(struct image_health *h, const char *kind, const char *arg)
{
	*h = (struct image_health){.interval_ns = 2000000000LL,
				   .timeout_ns = 1500000000LL,
				   .start_period_ns = 0,
				   .retries = 7};
	strv_push(&h->test, kind);
	if (arg)
		strv_push(&h->test, arg);
}

static char *joined(const struct strv *v)
{
	size_t len = 1;
	for (size_t i = 0; i < v->n; i++)
		len += strlen(v->v[i]) + 1;
	char *s = xcalloc(1, len);
	for (size_t i = 0; i < v->n; i++) {
		if (i)
			strcat(s, "|");
		strcat(s, v->v[i]);
	}
	return s;
}

TEST(shell_form_with_the_images_timings)
{
	struct service s = {0};
	struct image_health h;
	image_check(&h, "CMD-SHELL", "curl -f localhost");
	svc_health_from_image(&s, &h);
	char *t = joined(&s.health.test);
	CHECK(s.has_health);
	CHECK_STR(t, "/bin/sh|-c|curl -f localhost");
	CHECK(s.health.interval_ms == 2000);
	CHECK(s.health.timeout_ms == 1500);
	CHECK(s.health.retries == 7);
	free(t);
	strv_free(&s.health.test);
	strv_free(&h.test);
}

TEST(the_files_timings_win)
{
	struct service s = {.health = {.interval_ms = 500, .retries = 2}};
	struct image_health h;
	image_check(&h, "CMD", "true");
	svc_health_from_image(&s, &h);
	char *t = joined(&s.health.test);
	CHECK_STR(t, "true");
	CHECK(s.health.interval_ms == 500);
	CHECK(s.health.timeout_ms == 1500);
	CHECK(s.health.retries == 2);
	free(t);
	strv_free(&s.health.test);
	strv_free(&h.test);
}

TEST(the_files_check_or_disable_wins)
{
	struct image_health h;
	image_check(&h, "CMD", "true");
	struct service own = {.has_health = true};
	strv_push(&own.health.test, "mine");
	svc_health_from_image(&own, &h);
	CHECK_STR(own.health.test.v[0], "mine");
	struct service off = {.health_off = true};
	svc_health_from_image(&off, &h);
	CHECK(!off.has_health);
	CHECK((int)off.health.test.n == 0);
	struct service guess = {
	    .has_health = true, .health_from_profile = true, .health = {.interval_ms = 100}};
	strv_push(&guess.health.test, "profile");
	svc_health_from_image(&guess, &h);
	CHECK_STR(guess.health.test.v[0], "true");
	CHECK(guess.health.interval_ms == 2000);
	CHECK(!guess.health_from_profile);
	strv_free(&own.health.test);
	strv_free(&guess.health.test);
	strv_free(&h.test);
}

TEST(none_and_bad_forms_give_nothing)
{
	const char *kinds[][2] = {{"NONE", NULL}, {"CMD", NULL}, {"RUN", "x"}, {"CMD-SHELL", NULL}};
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		struct image_health h;
		image_check(&h, kinds[i][0], kinds[i][1]);
		struct service s = {0};
		svc_health_from_image(&s, &h);
		CHECK(!s.has_health);
		strv_free(&h.test);
	}
	struct image_health none = {0};
	struct service s = {0};
	svc_health_from_image(&s, &none);
	CHECK(!s.has_health);
}

TEST(waiting_for_health_needs_a_check)
{
	enum dep_condition healthy[] = {DEP_HEALTHY};
	struct service svcs[2] = {{.name = (char *)"web", .dep_conds = healthy},
				  {.name = (char *)"db", .image = (char *)"postgres:15"}};
	strv_push(&svcs[0].depends_on, "db");
	struct stack st = {.svcs = svcs, .nsvcs = 2};
	struct clan_err err = {0};
	CHECK(svc_health_check_deps(&st, NULL, &err) == -1);
	CHECK(err.code == CLAN_EXIT_USAGE);
	CHECK_STR(err.msg, "service web waits for db to be healthy, but db has no health check: "
			   "neither its files nor its image postgres:15 give one (give it a "
			   "healthcheck:)");
	/* up web --no-deps: db is as it runs */
	bool only[] = {true, false};
	CHECK(svc_health_check_deps(&st, only, &err) == 0);
	svcs[1].has_health = true;
	CHECK(svc_health_check_deps(&st, NULL, &err) == 0);
	strv_free(&svcs[0].depends_on);
}
