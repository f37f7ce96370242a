/* A minimal TAP harness for clan's unit tests: TEST(name) { CHECK(...); }
 * registers a test; main() runs them all and prints TAP. */
#ifndef CLAN_TAP_H
#define CLAN_TAP_H

#include <stdio.h>
#include <string.h>

struct tap_test {
	const char *name;
	void (*fn)(int *failed);
};

#define TAP_MAX 256
static struct tap_test tap_tests[TAP_MAX];
static int tap_count;

#define TEST(name)                                                                      \
	static void test_##name(int *tap_failed);                                       \
	__attribute__((constructor)) static void register_##name(void)                  \
	{                                                                               \
		if (tap_count < TAP_MAX)                                                \
			tap_tests[tap_count++] = (struct tap_test){#name, test_##name}; \
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

int main(void)
{
	int bad = 0;
	printf("1..%d\n", tap_count);
	for (int i = 0; i < tap_count; i++) {
		int failed = 0;
		tap_tests[i].fn(&failed);
		printf("%s %d - %s\n", failed ? "not ok" : "ok", i + 1, tap_tests[i].name);
		bad += failed;
	}
	return bad ? 1 : 0;
}

#endif
