/* When a service's health check runs and when its failures count, as
 * compose: failures in start_period do not count; while the service is
 * not yet healthy the check runs often (Docker's start_interval), so it is
 * seen healthy soon after it is ready, but a failure counts toward retries
 * at most once per interval, so the grace is start_period + retries x
 * interval whatever the probe rate. Pure: times are monotonic ms. */
#ifndef CLAN_HC_TIMING_H
#define CLAN_HC_TIMING_H

#include <stdbool.h>
#include <stdint.h>

#include "config/stack.h"

#define HC_FIRST_MS 100 /* the first check comes soon: `up` waits on it */
/* while starting: every HC_RAPID_MS for the first HC_RAPID_FOR_MS (most
 * services are ready within it, and a dependent waits on the check, not
 * on the service), then every HC_FAST_MS until HC_FAST_FOR_MS */
#define HC_RAPID_MS 50
#define HC_RAPID_FOR_MS 2000
#define HC_FAST_MS 250
#define HC_FAST_FOR_MS 10000
#define HC_SLOW_MS 1000 /* while still starting after that */
/* while starting, the next check waits at least this many times the CPU
 * the last one took: a python3 probe costs ~50 ms of CPU, and checked
 * back to back it took a core from the service that was starting */
#define HC_CPU_SHARE 3
/* while starting, a service known to listen on TCP ports (published,
 * expose, its profile's) is checked once one of them is listened on
 * (looked at every HC_LISTEN_POLL_MS in /proc, no process started), or
 * at the latest every HC_UNLISTENED_MS (its interval when shorter): a
 * check before that would fail anyway, and each one takes CPU from the
 * service while it starts */
#define HC_LISTEN_POLL_MS 20
#define HC_UNLISTENED_MS 1000
#define HC_OUT_MAX 2048 /* a check's output kept: its end */
#define HC_OUT_LINES 5

struct hc_track {
	int64_t count_at; /* a failure at or after this counts */
	int fails;	  /* counted failures in a row */
};

enum hc_outcome {
	HC_PASS,
	HC_FAIL_IGNORED,   /* in the start period, or less than an interval after the last */
	HC_FAIL_COUNTED,   /* counted, fewer than retries so far */
	HC_FAIL_UNHEALTHY, /* the retries-th counted failure (or more) */
};

/* The defaults the loader also sets, for a zero field. */
int hc_interval_ms(const struct healthcheck *h);
int hc_retries(const struct healthcheck *h);
int hc_timeout_ms(const struct healthcheck *h);

/* A (re)started service: no failure counted yet. */
void hc_track_start(struct hc_track *t, const struct healthcheck *h, int64_t started_ms);

/* A check ended at now (ok: exit 0). */
enum hc_outcome hc_on_result(struct hc_track *t, const struct healthcheck *h, bool ok, int64_t now);

/* When the next check runs: soon while the service is not yet healthy
 * (starting), but at least HC_CPU_SHARE x last_cpu_ms (the CPU the last
 * check used) after it; every interval once it has been healthy. */
int64_t hc_next_at(const struct healthcheck *h, bool starting, int64_t started_ms, int64_t now,
		   int64_t last_cpu_ms);

#endif
