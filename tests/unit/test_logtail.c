/* Reading logs: the backward tail finder (lines longer than its block, no
 * trailing newline, an empty file, more lines asked than kept, --since),
 * a service's files as one stream across the rotated one, the services
 * merged by time, and the writer's rotation (NAME.log always there, a
 * planted NAME.log.new not written through). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/logfile.h"
#include "supervisor/logsrc.h"
#include "cli/logview.h"
#include "supervisor/stack_state.h"
#include "tap.h"
#include "base/util.h"

static char *make_dir(void)
{
	char tmpl[] = "/tmp/clan-test-logtail.XXXXXX";
	return xstrdup(mkdtemp(tmpl) ? tmpl : "/nonexistent");
}

static void remove_dir(const char *dir)
{
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
}

/* A file of lines "SEC.000000000 o TEXT" with SEC from first (a line of
 * one letter at SEC 100..999 is 18 bytes). */
static void put(const char *path, const char *const *texts, size_t n, long first,
		bool final_newline)
{
	FILE *f = fopen(path, "w");
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%ld.000000000 o %s%s", first + (long)i, texts[i],
			i + 1 < n || final_newline ? "\n" : "");
	if (f)
		fclose(f);
}

static int open_ro(const char *path)
{
	return open(path, O_RDONLY | O_CLOEXEC);
}

static off_t size_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* The texts of the lines a log_src gives, joined with ','. */
static char *read_all(struct log_src *s)
{
	char *out = xstrdup("");
	while (log_src_next(s) > 0) {
		char *next = xasprintf("%s%s%s", out, *out ? "," : "", s->head.text);
		free(out);
		out = next;
	}
	return out;
}

TEST(tail_lines_longer_than_the_block)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *path = xasprintf("%s/web.log", dir);
	/* 150 000 bytes a line: more than the 64 KiB block read backwards */
	_cleanup_free_ char *big = xmalloc(150001);
	memset(big, 'x', 150000);
	big[150000] = '\0';
	const char *texts[] = {"one", big, big, "four"};
	put(path, texts, 4, 100, true);
	int fd = open_ro(path);
	struct log_tail t;
	log_tail_find(fd, size_of(fd), false, 2, 0, &t);
	CHECK(t.found == 2 && !t.stopped);
	/* the third line starts after "one" and one long line */
	off_t third = (off_t)strlen("100.000000000 o one\n") + 16 + 150000 + 1;
	CHECK(t.start == third);
	log_tail_find(fd, size_of(fd), false, 3, 0, &t);
	CHECK(t.found == 3 && t.start == (off_t)strlen("100.000000000 o one\n"));
	close(fd);
	/* read forward, a line longer than the buffer comes out cut and the
	 * next one whole */
	struct log_src s;
	struct clan_err err;
	CHECK(log_src_open(&s, dir, "web", 0, 2, 0, &err) == 0);
	CHECK(log_src_next(&s) == 1 && strlen(s.head.text) == LOG_SRC_BUF - 16);
	CHECK(log_src_next(&s) == 1 && strcmp(s.head.text, "four") == 0);
	CHECK(log_src_next(&s) == 0);
	log_src_close(&s);
	remove_dir(dir);
}

TEST(tail_without_trailing_newline)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *path = xasprintf("%s/web.log", dir);
	const char *texts[] = {"a", "b", "c"};
	put(path, texts, 3, 100, false);
	int fd = open_ro(path);
	struct log_tail t;
	/* a finished (rotated) file: its unterminated last line is one */
	log_tail_find(fd, size_of(fd), false, 1, 0, &t);
	CHECK(t.found == 1 && t.start == 2 * 18);
	/* the live file: still being written, not counted; the tail starts
	 * before the lines asked and stops before the unfinished one */
	log_tail_find(fd, size_of(fd), true, 1, 0, &t);
	CHECK(t.found == 1 && t.start == 18);
	log_tail_find(fd, size_of(fd), true, 0, 0, &t);
	CHECK(t.found == 0 && t.start == 2 * 18);
	close(fd);
	struct log_src s;
	struct clan_err err;
	CHECK(log_src_open(&s, dir, "web", 0, -1, 0, &err) == 0);
	_cleanup_free_ char *all = read_all(&s);
	CHECK_STR(all, "a,b");
	/* once the line is finished, it follows */
	log_src_follow(&s);
	FILE *f = fopen(path, "a");
	fputs("-end\n", f);
	fclose(f);
	CHECK(log_src_next(&s) == 1 && strcmp(s.head.text, "c-end") == 0);
	CHECK(log_src_next(&s) == 0 && !log_src_rotated(&s));
	/* truncated in place and written again: followed from its start */
	const char *again[] = {"z"};
	put(path, again, 1, 100, true);
	CHECK(log_src_next(&s) == 0 && log_src_rotated(&s));
	CHECK(log_src_next(&s) == 1 && strcmp(s.head.text, "z") == 0);
	log_src_close(&s);
	remove_dir(dir);
}

TEST(tail_of_empty_and_short_files)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *path = xasprintf("%s/web.log", dir);
	put(path, NULL, 0, 0, true);
	int fd = open_ro(path);
	struct log_tail t;
	log_tail_find(fd, size_of(fd), true, 10, 0, &t);
	CHECK(t.found == 0 && t.start == 0);
	log_tail_find(fd, size_of(fd), false, 10, 0, &t);
	CHECK(t.found == 0 && t.start == 0);
	close(fd);
	const char *texts[] = {"a", "b", "c"};
	put(path, texts, 3, 100, true);
	fd = open_ro(path);
	/* more lines asked than there are: all of them */
	log_tail_find(fd, size_of(fd), true, 1000, 0, &t);
	CHECK(t.found == 3 && t.start == 0 && !t.stopped);
	/* --since: those not older */
	log_tail_find(fd, size_of(fd), true, 1000, 101, &t);
	CHECK(t.found == 2 && t.start == 18 && t.stopped);
	close(fd);
	/* a line that is not a log line is not counted */
	FILE *f = fopen(path, "a");
	fputs("garbage\n\n", f);
	fclose(f);
	fd = open_ro(path);
	log_tail_find(fd, size_of(fd), true, 1, 0, &t);
	CHECK(t.found == 1 && t.start == 36);
	close(fd);
	remove_dir(dir);
}

TEST(tail_across_the_rotated_file)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *path = xasprintf("%s/web.log", dir);
	_cleanup_free_ char *old = xasprintf("%s.1", path);
	const char *o[] = {"o1", "o2", "o3", "o4"}, *l[] = {"l1", "l2"};
	put(old, o, 4, 100, true);
	put(path, l, 2, 200, true);
	struct clan_err err;
	struct {
		long tail;
		int64_t since;
		const char *want;
	} cases[] = {{5, 0, "o2,o3,o4,l1,l2"},
		     {2, 0, "l1,l2"},
		     {1, 0, "l2"},
		     {0, 0, ""},
		     {100, 0, "o1,o2,o3,o4,l1,l2"},
		     {-1, 0, "o1,o2,o3,o4,l1,l2"},
		     {-1, 102, "o3,o4,l1,l2"},
		     {-1, 200, "l1,l2"},
		     {3, 103, "o4,l1,l2"}};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct log_src s;
		CHECK(log_src_open(&s, dir, "web", 0, cases[i].tail, cases[i].since, &err) == 0);
		_cleanup_free_ char *got = read_all(&s);
		if (strcmp(got, cases[i].want) != 0)
			printf("# tail %ld since %lld: '%s', want '%s'\n", cases[i].tail,
			       (long long)cases[i].since, got, cases[i].want);
		CHECK(strcmp(got, cases[i].want) == 0);
		log_src_close(&s);
	}
	remove_dir(dir);
}

/* log_read (the supervisor's last lines of a service): the wanted ones,
 * across the rotated file. */
TEST(log_read_last_lines)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *path = xasprintf("%s/web.log", dir);
	_cleanup_free_ char *old = xasprintf("%s.1", path);
	const char *o[] = {"o1", "o2"}, *l[] = {"l1"};
	put(old, o, 2, 100, true);
	put(path, l, 1, 200, true);
	struct log_entry *v = NULL;
	size_t n = 0;
	CHECK(log_read(dir, "web", 3, 2, 0, &v, &n, NULL) == 0);
	CHECK(n == 2 && strcmp(v[0].text, "o2") == 0 && strcmp(v[1].text, "l1") == 0 &&
	      v[1].service == 3 && v[1].sec == 200);
	log_entries_free(v, n);
	remove_dir(dir);
}

/* logs of several services, no prefix: their texts, one a line */
static char *view(const char *dir, struct strv *names, long tail)
{
	struct stack_state ss = {.logdir = (char *)dir};
	struct logview_opts o = {.ss = &ss, .services = names, .tail = tail, .stop_fd = -1};
	_cleanup_free_ char *path = xasprintf("%s/out", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	logview_run(&o);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(fd);
	char *out = NULL;
	struct clan_err err;
	if (read_file(path, 1 << 20, &out, &err) < 0)
		out = xstrdup("");
	return out;
}

TEST(services_merged_by_time)
{
	_cleanup_free_ char *dir = make_dir();
	const char *lines[][4] = {{"100.5 o web1", "102.0 o web2", "103.0 o web3", NULL},
				  {"101.0 o db1", "102.0 o db2", "104.0 o db3", NULL},
				  {"99.0 o old1", NULL}};
	const char *svcs[] = {"web", "db", "cache"};
	struct strv names = {0};
	for (size_t s = 0; s < 3; s++) {
		_cleanup_free_ char *path = xasprintf("%s/%s.log", dir, svcs[s]);
		FILE *f = fopen(path, "w");
		for (size_t i = 0; f && lines[s][i]; i++)
			fprintf(f, "%s\n", lines[s][i]);
		if (f)
			fclose(f);
		strv_push(&names, svcs[s]);
	}
	/* ties (102.0) go by the services' order */
	_cleanup_free_ char *all = view(dir, &names, -1);
	CHECK_STR(all, "old1\nweb1\ndb1\nweb2\ndb2\nweb3\ndb3\n");
	_cleanup_free_ char *tail = view(dir, &names, 1);
	CHECK_STR(tail, "old1\nweb3\ndb3\n");
	strv_free(&names);
	remove_dir(dir);
}

TEST(rotation_keeps_the_path_and_ignores_planted_files)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *victim = xasprintf("%s/victim", dir);
	_cleanup_free_ char *planted = xasprintf("%s/web.log.new", dir);
	_cleanup_free_ char *planted1 = xasprintf("%s/web.log.1.new", dir);
	struct clan_err err;
	CHECK(write_file(victim, "", 0, &err) == 0);
	CHECK(symlink(victim, planted) == 0 && symlink(victim, planted1) == 0);
	struct log_writer w;
	CHECK(log_open(dir, "web", &w, &err) == 0);
	char line[1024];
	memset(line, 'y', sizeof line);
	long n = LOG_MAX_BYTES / (long)sizeof line + 10;
	for (long i = 0; i < n; i++)
		log_line(&w, 'o', line, sizeof line);
	log_line(&w, 'o', "after", 5);
	log_close(&w);
	struct stat st;
	CHECK(stat(victim, &st) == 0 && st.st_size == 0);
	CHECK(lstat(planted, &st) < 0 && lstat(planted1, &st) < 0);
	_cleanup_free_ char *old = xasprintf("%s/web.log.1", dir);
	CHECK(lstat(old, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > LOG_MAX_BYTES);
	struct log_src s;
	CHECK(log_src_open(&s, dir, "web", 0, 1, 0, &err) == 0);
	CHECK(log_src_next(&s) == 1 && strcmp(s.head.text, "after") == 0);
	log_src_close(&s);
	/* every line kept, once */
	CHECK(log_src_open(&s, dir, "web", 0, -1, 0, &err) == 0);
	long count = 0;
	while (log_src_next(&s) > 0)
		count++;
	CHECK(count == n + 1);
	log_src_close(&s);
	remove_dir(dir);
}

/* The supervisor adds a read's lines and writes them in one go: none is
 * in the file before log_flush, all are after, whole and in order, each
 * stamped later than the one before (sorting by time keeps their order);
 * past LOG_BATCH_BYTES they go without waiting, and rotation still
 * happens between batches. */
TEST(lines_added_are_written_together)
{
	_cleanup_free_ char *dir = make_dir();
	_cleanup_free_ char *path = xasprintf("%s/web.log", dir);
	struct clan_err err;
	struct log_writer w;
	CHECK(log_open(dir, "web", &w, &err) == 0);
	log_add(&w, 'o', "one", 3);
	log_add(&w, 'e', "", 0);
	log_add(&w, 'o', "  three", 7);
	struct stat st;
	CHECK(stat(path, &st) == 0 && st.st_size == 0);
	log_flush(&w);
	log_flush(&w); /* nothing more to write */
	struct log_src s;
	CHECK(log_src_open(&s, dir, "web", 0, -1, 0, &err) == 0);
	_cleanup_free_ char *all = read_all(&s);
	CHECK_STR(all, "one,,  three");
	log_src_close(&s);

	char line[1000];
	memset(line, 'z', sizeof line);
	size_t per = sizeof line + 32, n = LOG_BATCH_BYTES / per + 1;
	off_t before = stat(path, &st) == 0 ? st.st_size : -1;
	for (size_t i = 0; i < n; i++)
		log_add(&w, 'o', line, sizeof line);
	CHECK(stat(path, &st) == 0 && st.st_size > before);
	for (long i = 0; i < 2 * LOG_MAX_BYTES / (long)per; i++)
		log_add(&w, 'o', line, sizeof line);
	log_close(&w);
	_cleanup_free_ char *old = xasprintf("%s/web.log.1", dir);
	CHECK(stat(old, &st) == 0 && st.st_size <= LOG_MAX_BYTES + 2 * LOG_BATCH_BYTES);

	FILE *f = fopen(path, "r");
	char *l = NULL;
	size_t cap = 0;
	ssize_t len;
	struct log_entry prev = {0}, e;
	long lines = 0, bad = 0;
	while (f && (len = getline(&l, &cap, f)) > 0) {
		size_t at;
		if (!log_parse_head(l, (size_t)len - 1, &e, &at) ||
		    (size_t)len - 1 - at != sizeof line)
			bad++;
		else if (lines && log_entry_cmp(&prev, &e) >= 0)
			bad++;
		prev = e;
		lines++;
	}
	free(l);
	if (f)
		fclose(f);
	CHECK(lines > 0 && bad == 0);
	remove_dir(dir);
}
