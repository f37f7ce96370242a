/* Unit tests for the health-check timing (hc_timing.c): compose's grace
 * (start_period + retries x interval) whatever the probe rate, and quick
 * probes while a service starts. */
#include "config/hc_timing.h"
#include "tap.h"

struct sim {
	int64_t healthy_at;   /* from then on the check passes; <0: never */
	int64_t unhealthy_at; /* when it was declared unhealthy, -1: never */
	int64_t passed_at;    /* the first pass, -1: none */
	int checks;
};

/* Runs the checks of a service started at 0 until limit_ms; each check
 * takes 20 ms, as an exec into the container does. */
static void simulate(const struct healthcheck *h, struct sim *s, int64_t limit_ms)
{
	struct hc_track t;
	hc_track_start(&t, h, 0);
	s->unhealthy_at = s->passed_at = -1;
	s->checks = 0;
	bool starting = true;
	for (int64_t at = HC_FIRST_MS; at < limit_ms;) {
		int64_t end = at + 20;
		bool ok = s->healthy_at >= 0 && end >= s->healthy_at;
		s->checks++;
		enum hc_outcome o = hc_on_result(&t, h, ok, end);
		if (o == HC_PASS && s->passed_at < 0) {
			s->passed_at = end;
			starting = false;
		}
		if (o == HC_FAIL_UNHEALTHY && s->unhealthy_at < 0)
			s->unhealthy_at = end;
		at = hc_next_at(h, starting, 0, end, 0);
	}
}

static const struct healthcheck defaults = {
    .interval_ms = 30000, .timeout_ms = 30000, .retries = 3};

TEST(five_seconds_to_listen_with_the_defaults)
{
	struct sim s = {.healthy_at = 5000};
	simulate(&defaults, &s, 120000);
	CHECK(s.unhealthy_at < 0);
	/* seen soon after it listens, not at the next 30 s interval */
	CHECK(s.passed_at >= 5000 && s.passed_at <= 5000 + HC_FAST_MS + 20);
}

TEST(one_second_to_listen_with_a_long_interval)
{
	/* the case: failed after ~0.6 s whatever the interval */
	struct healthcheck h = {.interval_ms = 5000, .retries = 3};
	struct sim s = {.healthy_at = 1000};
	simulate(&h, &s, 30000);
	CHECK(s.unhealthy_at < 0);
	CHECK(s.passed_at >= 1000 && s.passed_at < 1300);
}

TEST(grace_is_retries_times_interval)
{
	struct healthcheck h = {.interval_ms = 1000, .retries = 3};
	struct sim s = {.healthy_at = -1};
	simulate(&h, &s, 20000);
	CHECK(s.unhealthy_at >= 3000 && s.unhealthy_at < 3300);
	/* the defaults: 90 s */
	simulate(&defaults, &s, 200000);
	CHECK(s.unhealthy_at >= 90000 && s.unhealthy_at < 91000);
}

TEST(start_period_failures_do_not_count)
{
	struct healthcheck h = {.interval_ms = 1000, .retries = 2, .start_period_ms = 4000};
	struct sim s = {.healthy_at = -1};
	simulate(&h, &s, 20000);
	CHECK(s.unhealthy_at >= 6000 && s.unhealthy_at < 6300);
	/* healthy inside the start period: never unhealthy */
	s.healthy_at = 3500;
	simulate(&h, &s, 20000);
	CHECK(s.unhealthy_at < 0);
	CHECK(s.passed_at >= 3500 && s.passed_at < 3800);
}

TEST(probe_rate)
{
	/* quick at first, never slower than the interval, slower after a while */
	struct healthcheck h = {.interval_ms = 100, .retries = 1000};
	CHECK(hc_next_at(&h, true, 0, 1000, 0) == 1000 + HC_RAPID_MS);
	CHECK(hc_next_at(&h, true, 0, HC_RAPID_FOR_MS, 0) == HC_RAPID_FOR_MS + 100);
	CHECK(hc_next_at(&defaults, true, 0, 1000, 0) == 1000 + HC_RAPID_MS);
	CHECK(hc_next_at(&defaults, true, 0, HC_RAPID_FOR_MS, 0) == HC_RAPID_FOR_MS + HC_FAST_MS);
	CHECK(hc_next_at(&defaults, true, 0, HC_FAST_FOR_MS + 1, 0) ==
	      HC_FAST_FOR_MS + 1 + HC_SLOW_MS);
	CHECK(hc_next_at(&defaults, false, 0, 1000, 0) == 31000);
	/* a check that took 40 ms of CPU waits 3 x that while starting, never
	 * past the interval, and not at all once healthy */
	CHECK(hc_next_at(&defaults, true, 0, 1000, 40) == 1000 + HC_CPU_SHARE * 40);
	CHECK(hc_next_at(&defaults, true, 0, 1000, 10) == 1000 + HC_RAPID_MS);
	CHECK(hc_next_at(&h, true, 0, 1000, 500) == 1000 + 100);
	CHECK(hc_next_at(&defaults, false, 0, 1000, 500) == 31000);
	/* a minute of a service that never gets healthy: not thousands of execs */
	struct sim s = {.healthy_at = -1};
	simulate(&defaults, &s, 60000);
	CHECK(s.checks < HC_RAPID_FOR_MS / HC_RAPID_MS +
			     (HC_FAST_FOR_MS - HC_RAPID_FOR_MS) / HC_FAST_MS + 50 + 2);
}

TEST(after_healthy_each_failure_counts)
{
	struct healthcheck h = {.interval_ms = 1000, .retries = 2};
	struct hc_track t;
	hc_track_start(&t, &h, 0);
	CHECK(hc_on_result(&t, &h, true, 100) == HC_PASS);
	/* the next check comes an interval later and its failure counts */
	CHECK(hc_on_result(&t, &h, false, 1100) == HC_FAIL_COUNTED);
	CHECK(hc_on_result(&t, &h, false, 1200) == HC_FAIL_IGNORED);
	CHECK(hc_on_result(&t, &h, false, 2100) == HC_FAIL_UNHEALTHY);
	/* a pass starts the count again */
	CHECK(hc_on_result(&t, &h, true, 3100) == HC_PASS);
	CHECK(hc_on_result(&t, &h, false, 4100) == HC_FAIL_COUNTED);
}
