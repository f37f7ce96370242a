/* The TAP harness itself: a skipped test says so (`# SKIP reason`) instead
 * of passing, a failed CHECK before a SKIP still fails, and tests
 * registered past TAP_MAX make the file fail instead of vanishing. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "base/util.h"

static void fake_pass(int *tap_failed)
{
	CHECK(1);
}

/* as a failed CHECK marks it, without printing a failure into this
 * file's own output */
static void fake_fail(int *tap_failed)
{
	*tap_failed = 1;
}

static void fake_skip(int *tap_failed)
{
	SKIP("no %s here", "overlayfs");
	CHECK(0); /* not reached */
}

static void fake_fail_then_skip(int *tap_failed)
{
	*tap_failed = 1;
	SKIP("too late");
}

/* Runs tests through tap_run; returns its TAP text. */
static char *run_fakes(const struct tap_test *t, int n, int dropped, int *bad)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		abort();
	*bad = tap_run(t, n, dropped, out);
	fclose(out);
	return text;
}

TEST(skip_is_reported_as_skip)
{
	const struct tap_test t[] = {{"a", fake_pass}, {"b", fake_skip}, {"c", fake_pass}};
	int bad = -1;
	_cleanup_free_ char *text = run_fakes(t, 3, 0, &bad);
	CHECK(bad == 0);
	CHECK_STR(text, "1..3\nok 1 - a\nok 2 - b # SKIP no overlayfs here\nok 3 - c\n");
}

TEST(check_failed_before_skip_fails)
{
	const struct tap_test t[] = {{"a", fake_fail_then_skip}, {"b", fake_fail}};
	int bad = -1;
	_cleanup_free_ char *text = run_fakes(t, 2, 0, &bad);
	CHECK(bad == 2);
	CHECK_STR(text, "1..2\nnot ok 1 - a\nnot ok 2 - b\n");
}

TEST(more_than_tap_max_fails)
{
	const struct tap_test t[] = {{"a", fake_pass}};
	int bad = -1;
	_cleanup_free_ char *text = run_fakes(t, 1, 3, &bad);
	CHECK(bad == 1);
	CHECK_STR(text, "1..2\nok 1 - a\nnot ok 2 - 3 more tests than TAP_MAX (256) were not "
			"run: raise TAP_MAX in tests/unit/tap.h\n");
}

/* The registration itself: this file's tests all fit, none dropped. */
TEST(registration_counts)
{
	CHECK(tap_count == 4);
	CHECK(tap_dropped == 0);
}
