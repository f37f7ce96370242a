/* Health-check timing: see hc_timing.h. */
#include "config/hc_timing.h"

int hc_interval_ms(const struct healthcheck *h)
{
	return h->interval_ms > 0 ? h->interval_ms : 30000;
}

int hc_retries(const struct healthcheck *h)
{
	return h->retries > 0 ? h->retries : 3;
}

int hc_timeout_ms(const struct healthcheck *h)
{
	return h->timeout_ms > 0 ? h->timeout_ms : 30000;
}

void hc_track_start(struct hc_track *t, const struct healthcheck *h, int64_t started_ms)
{
	int64_t period = h->start_period_ms > 0 ? h->start_period_ms : 0;
	/* the first failure that counts is one interval past the start
	 * period: with retries counted once per interval, the service has
	 * start_period + retries x interval to become healthy */
	t->count_at = started_ms + period + hc_interval_ms(h);
	t->fails = 0;
}

enum hc_outcome hc_on_result(struct hc_track *t, const struct healthcheck *h, bool ok, int64_t now)
{
	if (ok) {
		t->fails = 0;
		t->count_at = now + hc_interval_ms(h);
		return HC_PASS;
	}
	if (now < t->count_at)
		return HC_FAIL_IGNORED;
	t->fails++;
	/* from the last count's due time, not from now: checks that end a
	 * little late do not stretch the grace */
	t->count_at += hc_interval_ms(h);
	return t->fails >= hc_retries(h) ? HC_FAIL_UNHEALTHY : HC_FAIL_COUNTED;
}

int64_t hc_next_at(const struct healthcheck *h, bool starting, int64_t started_ms, int64_t now,
		   int64_t last_cpu_ms)
{
	int64_t interval = hc_interval_ms(h);
	if (!starting)
		return now + interval;
	int64_t age = now - started_ms;
	int64_t fast = age < HC_RAPID_FOR_MS  ? HC_RAPID_MS
		       : age < HC_FAST_FOR_MS ? HC_FAST_MS
					      : HC_SLOW_MS;
	if (fast < HC_CPU_SHARE * last_cpu_ms)
		fast = HC_CPU_SHARE * last_cpu_ms;
	return now + (fast < interval ? fast : interval);
}
