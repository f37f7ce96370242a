/* libFuzzer target: the backward tail finder (log_tail_find) on any file
 * content agrees with reading the lines forwards: asked for all lines it
 * finds every log line, asked for k it starts at the k-th from the end;
 * for a live file the unterminated last line is not one. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "supervisor/logfile.h"
#include "supervisor/logsrc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The starts of the log lines in data, forwards (at most max). */
static size_t starts_of(const char *data, size_t size, bool live, off_t *starts, size_t max)
{
	size_t n = 0, at = 0;
	while (at < size && n < max) {
		const char *nl = memchr(data + at, '\n', size - at);
		if (!nl && live)
			break; /* still being written */
		size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
		struct log_entry e;
		size_t text;
		if (log_parse_head(data + at, len, &e, &text))
			starts[n++] = (off_t)at;
		at += len + 1;
	}
	return n;
}

static void check(int fd, const char *data, size_t size, bool live)
{
	static off_t starts[1 << 16];
	size_t n = starts_of(data, size, live, starts, 1 << 16);
	struct log_tail t;
	log_tail_find(fd, (off_t)size, live, LONG_MAX, 0, &t);
	if ((size_t)t.found != n || t.stopped || (n && t.start != starts[0]))
		abort();
	long ks[] = {1, (long)n / 2, (long)n};
	for (size_t i = 0; i < 3; i++) {
		long k = ks[i];
		if (k <= 0 || (size_t)k > n)
			continue;
		log_tail_find(fd, (off_t)size, live, k, 0, &t);
		if (t.found != k || t.start != starts[n - (size_t)k])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("log", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	check(fd, (const char *)data, size, false);
	check(fd, (const char *)data, size, true);
	close(fd);
	return 0;
}
