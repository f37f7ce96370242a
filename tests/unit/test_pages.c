/* Unit tests for pages_trim: clean file pages leave the page tables, and
 * nothing of the process's memory changes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pages.h"
#include "tap.h"

/* This process's resident set, from /proc/self/smaps_rollup (kB). */
static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "re");
	if (!f)
		return -1;
	char line[256];
	long kb = -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Rss: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Written data (heap, .data, a copied-on-write relro page) must survive:
 * only pages that are still the file's may go. */
static int counter = 41;
static const char *const words[] = {"alpha", "beta", "gamma"};

TEST(clean_pages_go_content_stays)
{
	char *heap = malloc(1 << 20);
	CHECK(heap != NULL);
	memset(heap, 'x', 1 << 20);
	counter++;
	long before = rss_kb();
	pages_trim();
	long after = rss_kb();
	CHECK(before > 0 && after > 0);
	/* the test's code and libc's were resident: some of them must go */
	CHECK(after < before);
	CHECK(heap[0] == 'x' && heap[(1 << 20) - 1] == 'x');
	CHECK(counter == 42);
	CHECK(strcmp(words[2], "gamma") == 0);
	/* code runs again, faulted back in from the page cache */
	char buf[32];
	snprintf(buf, sizeof buf, "%d-%s", counter, words[0]);
	CHECK(strcmp(buf, "42-alpha") == 0);
	free(heap);
}

TEST(trim_twice_is_harmless)
{
	pages_trim();
	pages_trim();
	CHECK(rss_kb() > 0);
}
