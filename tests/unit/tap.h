/* A minimal TAP harness for clan's unit tests: TEST(name) { CHECK(...); }
 * registers a test; main() runs them all and prints TAP. A test that
 * cannot run here ends with SKIP("why"): it is reported
 * `ok N - name # SKIP why`, which tests/run.sh counts as skipped, never as
 * passed. */
#ifndef CLAN_TAP_H
#define CLAN_TAP_H

#include <stdio.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(int *failed);
};

#ifndef TAP_MAX
#define TAP_MAX 256
#endif
static struct tap_test tap_tests[TAP_MAX];
static int tap_count;
/* tests registered past TAP_MAX: not run, so the file fails (a silent
 * drop would look like a pass) */
static int tap_dropped;
/* SKIP's mark in a test's status (CHECK sets 1) and its reason */
#define TAP_SKIPPED 2
static char tap_skip_reason[256];

#define TEST(name)                                                                      \
	static void test_##name(int *tap_failed);                                       \
	__attribute__((constructor)) static void register_##name(void)                  \
	{                                                                               \
		if (tap_count < TAP_MAX)                                                \
			tap_tests[tap_count++] = (struct tap_test){#name, test_##name}; \
		else                                                                    \
			tap_dropped++;                                                  \
	}                                                                               \
	static void test_##name(int *tap_failed)

#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond)) {                                                              \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
			*tap_failed = 1;                                                    \
		}                                                                           \
	} while (0)

#define CHECK_STR(a, b)                                                             \
	do {                                                                        \
		const char *tap_a = (a), *tap_b = (b);                              \
		if (!tap_a || !tap_b || strcmp(tap_a, tap_b) != 0) {                \
			printf("#   %s:%d: '%s' != '%s'\n", __FILE__, __LINE__,     \
			       tap_a ? tap_a : "(null)", tap_b ? tap_b : "(null)"); \
			*tap_failed = 1;                                            \
		}                                                                   \
	} while (0)

/* Ends the running test as skipped, with a printf-style reason. It
 * returns, so it belongs in the TEST body (in a helper taking tap_failed
 * it marks the test but returns only from the helper). A CHECK that
 * failed before it still makes the test fail. */
#define SKIP(...)                                                               \
	do {                                                                    \
		snprintf(tap_skip_reason, sizeof tap_skip_reason, __VA_ARGS__); \
		*tap_failed |= TAP_SKIPPED;                                     \
		return;                                                         \
	} while (0)

/* Runs n tests and prints their TAP to out; `dropped` more were registered
 * than fit and count as one failure. Returns the number of failures. */
static int tap_run(const struct tap_test *tests, int n, int dropped, FILE *out)
{
	int bad = 0;
	fprintf(out, "1..%d\n", n + (dropped > 0));
	fflush(out);
	for (int i = 0; i < n; i++) {
		int status = 0;
		tests[i].fn(&status);
		fflush(stdout);
		int failed = status & 1;
		if (failed)
			fprintf(out, "not ok %d - %s\n", i + 1, tests[i].name);
		else if (status & TAP_SKIPPED)
			fprintf(out, "ok %d - %s # SKIP %s\n", i + 1, tests[i].name,
				tap_skip_reason[0] ? tap_skip_reason : "(no reason given)");
		else
			fprintf(out, "ok %d - %s\n", i + 1, tests[i].name);
		fflush(out);
		bad += failed;
	}
	if (dropped > 0) {
		fprintf(out,
			"not ok %d - %d more tests than TAP_MAX (%d) were not run: raise TAP_MAX "
			"in tests/unit/tap.h\n",
			n + 1, dropped, TAP_MAX);
		bad++;
	}
	return bad;
}

int main(void)
{
	return tap_run(tap_tests, tap_count, tap_dropped, stdout) ? 1 : 0;
}

#endif
