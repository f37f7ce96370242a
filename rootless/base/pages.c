/* See pages.h. */
#define _GNU_SOURCE
#include "base/pages.h"

#include <inttypes.h>
#include <stdbool.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "base/util.h"

struct range {
	uintptr_t start, end;
};

/* The mappings that only hold file pages: private, of a file (inode), and
 * "Anonymous: 0 kB" (none of their pages was ever written). */
static size_t clean_file_ranges(struct range **out)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return 0;
	char line[512];
	size_t n = 0, cap = 0;
	bool candidate = false;
	struct range cur = {0, 0};
	while (fgets(line, sizeof line, f)) {
		uintptr_t a, b;
		char perms[8];
		unsigned long long inode;
		unsigned long long anon;
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %*s %*s %llu", &a, &b, perms,
			   &inode) == 4) {
			candidate = perms[3] == 'p' && inode != 0;
			cur = (struct range){a, b};
		} else if (candidate && sscanf(line, "Anonymous: %llu kB", &anon) == 1) {
			if (anon == 0) {
				/* libcurl's dependencies alone map a few hundred */
				if (n == cap) {
					cap = cap ? cap * 2 : 256;
					*out = xrealloc(*out, cap * sizeof **out);
				}
				(*out)[n++] = cur;
			}
			candidate = false;
		}
	}
	fclose(f);
	return n;
}

void pages_trim(void)
{
	struct range *r = NULL;
	size_t n = clean_file_ranges(&r);
	/* a page run again comes back with up to 64 KiB around it (the
	 * kernel's fault-around, which no advice turns off): what stays is
	 * what the helper runs, in such chunks */
	for (size_t i = 0; i < n; i++)
		(void)madvise((void *)r[i].start, r[i].end - r[i].start, MADV_DONTNEED);
	free(r);
	malloc_trim(0);
}
