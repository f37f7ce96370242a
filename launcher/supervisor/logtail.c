/* Finding where a log's last N lines start by reading it backwards from
 * its end, a block at a time: `clan logs --tail 10` of a 10 MB log reads
 * one block, not the file. */
#define _GNU_SOURCE
#include <errno.h>
#include <unistd.h>

#include "supervisor/logsrc.h"
#include "base/util.h"

#define TAIL_BLOCK 65536
/* "SECONDS.NANOSECONDS S ": 18 + 1 + 9 + 3 bytes at most */
#define HEAD_MAX 32

struct back_scan {
	int fd;
	long want;
	int64_t since;
	struct log_tail *out;
};

/* Reads up to len bytes at off (fewer at the end of the file). */
static size_t read_at(int fd, char *buf, size_t len, off_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	return got;
}

/* The line [s, e) (without its newline), whose bytes from blk_at are in
 * blk: counts it when it is a log line not older than since. False when
 * the scan is done (enough lines, or an older one). */
static bool take_line(struct back_scan *b, const char *blk, off_t blk_at, size_t blk_len, off_t s,
		      off_t e)
{
	if (s >= e)
		return true; /* an empty line is no log line */
	char head[HEAD_MAX];
	size_t hl = e - s < HEAD_MAX ? (size_t)(e - s) : HEAD_MAX;
	const char *h = blk + (s - blk_at);
	if (s + (off_t)hl > blk_at + (off_t)blk_len) {
		hl = read_at(b->fd, head, hl, s); /* the head runs past the block */
		h = head;
	}
	struct log_entry le;
	size_t at;
	if (!log_parse_head(h, hl, &le, &at))
		return true;
	if (le.sec < b->since) {
		b->out->stopped = true;
		return false;
	}
	b->out->found++;
	b->out->start = s;
	return b->out->found < b->want;
}

void log_tail_find(int fd, off_t end, bool live, long n, int64_t since, struct log_tail *out)
{
	/* live: the start of the unfinished last line (all of it when no
	 * newline is found); else the end */
	*out = (struct log_tail){.start = live ? 0 : end};
	struct back_scan b = {.fd = fd, .want = n, .since = since, .out = out};
	if (end <= 0 || (n <= 0 && !live))
		return;
	_cleanup_free_ char *blk = xmalloc(TAIL_BLOCK);
	/* the end (exclusive, before its newline) of the line whose start is
	 * looked for; -1: the live file's last newline is not found yet */
	off_t line_end = live ? -1 : end;
	off_t pos = end;
	while (pos > 0) {
		size_t want = pos < TAIL_BLOCK ? (size_t)pos : TAIL_BLOCK;
		pos -= (off_t)want;
		size_t got = read_at(fd, blk, want, pos);
		if (got < want)
			return; /* shrunk under us: what was found stands */
		for (size_t k = got; k-- > 0;) {
			if (blk[k] != '\n')
				continue;
			off_t p = pos + (off_t)k;
			if (line_end < 0) {
				line_end = p;
				out->start = p + 1;
				if (n <= 0)
					return;
				continue;
			}
			if (!take_line(&b, blk, pos, got, p + 1, line_end))
				return;
			line_end = p;
		}
	}
	if (line_end > 0)
		take_line(&b, blk, 0, 0, 0, line_end); /* the first line: its head is re-read */
}
