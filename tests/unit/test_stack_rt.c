/* Unit tests for the pure parts of the stack runtime: id maps rebased into
 * a pod, log lines, --since, container and volume names. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ns/idmap.h"
#include "supervisor/logfile.h"
#include "cli/logview.h"
#include "base/procfs.h"
#include "supervisor/stack_state.h"
#include "tap.h"
#include "base/util.h"

TEST(rebase_single_mode)
{
	/* pod: root is host uid 1000; the service runs as postgres (104),
	 * which must be host 1000 too: inside the pod that is its root */
	struct idmap pod, want, out;
	idmap_single(&pod, 0, 1000);
	idmap_single(&want, 104, 1000);
	CHECK(idmap_rebase(&want, &pod, &out));
	CHECK(out.n == 1 && out.r[0].inside == 104 && out.r[0].outside == 0 && out.r[0].count == 1);
	/* a host id the pod does not map */
	idmap_single(&want, 104, 1001);
	CHECK(!idmap_rebase(&want, &pod, &out));
}

TEST(rebase_subuid_mode)
{
	struct subid_range sub = {100000, 65536};
	struct idmap pod, out;
	idmap_subid(&pod, 1000, &sub);
	/* the same maps as the pod's: identity inside it */
	CHECK(idmap_rebase(&pod, &pod, &out));
	CHECK(out.n == pod.n);
	for (size_t i = 0; i < out.n; i++)
		CHECK(out.r[i].inside == pod.r[i].inside && out.r[i].outside == pod.r[i].inside &&
		      out.r[i].count == pod.r[i].count);
	/* a range that runs past the pod's */
	struct idmap want = {.r = {{1, 100000, 65537}}, .n = 1};
	CHECK(!idmap_rebase(&want, &pod, &out));
}

TEST(log_lines)
{
	struct log_entry e;
	const char *line = "1764100000.000000123 e hello | world";
	CHECK(log_parse_line(line, strlen(line), &e));
	CHECK(e.sec == 1764100000 && e.nsec == 123 && e.stream == 'e');
	CHECK_STR(e.text, "hello | world");
	free(e.text);
	const char *empty = "1764100000.000000000 o ";
	CHECK(log_parse_line(empty, strlen(empty), &e));
	CHECK_STR(e.text, "");
	free(e.text);
	/* the text keeps its leading blanks: an indented line stays indented */
	const char *indented = "1764100000.000000001 o    indented\tline";
	CHECK(log_parse_line(indented, strlen(indented), &e));
	CHECK_STR(e.text, "   indented\tline");
	free(e.text);
	const char *bad[] = {"", "x", "1764100000.1 z text", "1764100000 o text", "abc.12 o t",
			     /* found by fuzz_logline: a negative nanosecond count */
			     "17.-3655o7e", "17.-3655 o x", "-17.5 o x", "17.5 o", "17.5o x",
			     "17.1234567890 o x", "17. o x", "1234567890123456789.1 o x"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(!log_parse_line(bad[i], strlen(bad[i]), &e));
}

TEST(log_sort_by_time)
{
	struct log_entry v[3] = {{.sec = 2, .nsec = 0, .service = 0},
				 {.sec = 1, .nsec = 5, .service = 1},
				 {.sec = 1, .nsec = 4, .service = 0}};
	log_sort(v, 3);
	CHECK(v[0].nsec == 4 && v[1].nsec == 5 && v[2].sec == 2);
}

TEST(since)
{
	int64_t t;
	CHECK(logview_parse_since("10m", 10000, &t) && t == 10000 - 600);
	CHECK(logview_parse_since("2h", 10000, &t) && t == 10000 - 7200);
	CHECK(logview_parse_since("30s", 10000, &t) && t == 9970);
	CHECK(logview_parse_since("1d", 100000, &t) && t == 100000 - 86400);
	CHECK(logview_parse_since("1764100000", 0, &t) && t == 1764100000);
	CHECK(!logview_parse_since("", 0, &t));
	CHECK(!logview_parse_since("10x", 0, &t));
	CHECK(!logview_parse_since("-5m", 0, &t));
	/* further back than the epoch, without overflowing (fuzz_logline) */
	CHECK(logview_parse_since("7070100000001700005m", 1700000000, &t) && t == 0);
	CHECK(logview_parse_since("9223372036854775807d", 1700000000, &t) && t == 0);
	CHECK(logview_parse_since("2d", 100000, &t) && t == 0);
	CHECK(!logview_parse_since("m", 0, &t));
}

TEST(names)
{
	struct stack_state ss = {0};
	snprintf(ss.id, sizeof ss.id, "shop-0123abcd");
	_cleanup_free_ char *c = stack_container_name(&ss, "shop", "db");
	CHECK_STR(c, "shop-db-0123ab");
	_cleanup_free_ char *v = stack_volume_name(&ss, "pgdata");
	CHECK_STR(v, "shop-0123abcd_pgdata");
}

/* The supervisor's pid file is "PID START"; a pid past pid_t's range must
 * not wrap to another process (4294967296 + N is N as a pid_t). */
TEST(pidfile_pid_out_of_range)
{
	char dir[] = "/tmp/clan-test-pidfile-XXXXXX";
	struct clan_err err;
	CHECK(mkdtemp(dir) != NULL);
	struct stack_state ss = {.pidfile = xasprintf("%s/pid", dir)};
	unsigned long long start = (unsigned long long)proc_start_time(getpid());
	_cleanup_free_ char *ok = xasprintf("%d %llu\n", (int)getpid(), start);
	pid_t pid = 0;
	CHECK(write_file(ss.pidfile, ok, strlen(ok), &err) == 0);
	CHECK(stack_supervisor_alive(&ss, &pid) && pid == getpid());
	const char *bad[] = {"%lld %llu\n", "-%lld %llu\n"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		_cleanup_free_ char *text = xasprintf(bad[i], 4294967296LL + getpid(), start);
		CHECK(write_file(ss.pidfile, text, strlen(text), &err) == 0);
		CHECK(!stack_supervisor_alive(&ss, &pid));
	}
	free(ss.pidfile);
	CHECK(remove_tree(dir, &err) == 0);
}
