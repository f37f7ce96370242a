/* clan top [SERVICE...]: the processes of each running service of the
 * stack here, as compose's top prints them (ps -ef's columns), read from
 * the host's /proc: the service's main process and its descendants. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/termsafe.h"
#include "base/util.h"
#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "cli/svc_args.h"
#include "supervisor/stack_cli.h"
#include "supervisor/sup_ctl.h"

const struct opt_cmd top_cmd = {
    .name = "top",
    .operands = "[SERVICE...]",
    .about = "Shows the processes of the running services of the stack here (all\n"
	     "when none is named): the main process and what it started.\n",
};

/* One process, from /proc/PID/stat and friends. */
struct proc {
	pid_t pid, ppid;
	uid_t uid;
	unsigned long long ticks, start; /* utime+stime, starttime: clock ticks */
};

/* Fields after the command, which may hold ') ' itself: from the last
 * ')'. Field 3 is the state; 4 ppid, 14 utime, 15 stime, 22 starttime. */
static bool read_proc(pid_t pid, struct proc *p)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	struct clan_err ignored;
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_file(path, 4096, &text, &ignored) < 0 || stat(path, &st) < 0)
		return false;
	const char *f = strrchr(text, ')');
	unsigned long long v[20] = {0};
	if (!f || sscanf(f + 2,
			 "%*c %llu %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d "
			 "%*d %*d %*d %*d %llu",
			 &v[0], &v[1], &v[2], &v[3]) != 4)
		return false;
	*p = (struct proc){
	    .pid = pid, .ppid = (pid_t)v[0], .uid = st.st_uid, .ticks = v[1] + v[2], .start = v[3]};
	return true;
}

/* Every process of the host we can see. */
static struct proc *all_procs(size_t *n)
{
	struct proc *v = NULL;
	size_t cap = 0;
	*n = 0;
	DIR *d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));) {
		uint32_t pid;
		if (!parse_u32(e->d_name, &pid) || pid == 0)
			continue;
		if (*n == cap)
			v = xrealloc(v, (cap = cap ? cap * 2 : 256) * sizeof *v);
		if (read_proc((pid_t)pid, &v[*n]))
			(*n)++;
	}
	if (d)
		closedir(d);
	return v;
}

static bool descends(const struct proc *v, size_t n, size_t i, pid_t root)
{
	/* bounded: a pid reused while we read cannot make a loop */
	for (size_t depth = 0; depth < n; depth++) {
		if (v[i].pid == root)
			return true;
		size_t k = 0;
		while (k < n && v[k].pid != v[i].ppid)
			k++;
		if (k == n)
			return false;
		i = k;
	}
	return false;
}

static long long boot_time(void)
{
	_cleanup_free_ char *text = NULL;
	struct clan_err ignored;
	if (read_file("/proc/stat", 1 << 20, &text, &ignored) < 0)
		return 0;
	const char *b = strstr(text, "\nbtime ");
	return b ? atoll(b + 7) : 0;
}

/* The command line, arguments space-separated (the kernel's NULs), or
 * "[comm]" for a thread without one; shown terminal-safe: a process
 * names itself. */
static char *cmdline(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
	if (fd >= 0)
		close(fd);
	while (n > 0 && buf[n - 1] == '\0')
		n--;
	if (n <= 0)
		return xstrdup("?");
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	return term_safe(buf, (size_t)n, false);
}

static void print_row(const struct proc *p, long long btime, long hz)
{
	char user[32], stime[16] = "-", cputime[48];
	struct passwd *pw = getpwuid(p->uid);
	snprintf(user, sizeof user, "%s", pw ? pw->pw_name : "");
	if (!pw)
		snprintf(user, sizeof user, "%u", (unsigned)p->uid);
	time_t started = (time_t)(btime + (long long)(p->start / (unsigned long long)hz));
	struct tm tm;
	if (btime && localtime_r(&started, &tm))
		strftime(stime, sizeof stime, "%H:%M", &tm);
	unsigned long long s = p->ticks / (unsigned long long)hz;
	snprintf(cputime, sizeof cputime, "%02llu:%02llu:%02llu", s / 3600, s / 60 % 60, s % 60);
	_cleanup_free_ char *cmd = cmdline(p->pid);
	printf("%-10s %-8d %-8d %-4d %-6s %-5s %-10s %s\n", user, (int)p->pid, (int)p->ppid, 0,
	       stime, "?", cputime, cmd);
}

static void show_service(const char *name, pid_t root, const struct proc *v, size_t n)
{
	long long btime = boot_time();
	long hz = sysconf(_SC_CLK_TCK);
	printf("%s\n", name);
	printf("%-10s %-8s %-8s %-4s %-6s %-5s %-10s %s\n", "UID", "PID", "PPID", "C", "STIME",
	       "TTY", "TIME", "CMD");
	for (size_t i = 0; i < n; i++)
		if (descends(v, n, i, root))
			print_row(&v[i], btime, hz > 0 ? hz : 100);
	printf("\n");
}

static int top(const struct stack_ctx *c, const struct strv *names, struct clan_err *err)
{
	json_t *answer = NULL, *req = json_pack("{s:s}", "op", "ps");
	int rc = sup_request(&c->ss, req, &answer, err);
	json_decref(req);
	if (rc < 0)
		return -1;
	size_t n;
	struct proc *v = all_procs(&n);
	json_t *svcs = json_object_get(answer, "services");
	for (size_t i = 0; i < json_array_size(svcs); i++) {
		json_t *s = json_array_get(svcs, i);
		const char *svc = json_string_value(json_object_get(s, "service"));
		const char *ctr = json_string_value(json_object_get(s, "name"));
		pid_t pid = (pid_t)json_integer_value(json_object_get(s, "pid"));
		if (svc && ctr && pid > 0 && svc_args_has(names, svc))
			show_service(ctr, pid, v, n);
	}
	free(v);
	json_decref(answer);
	return 0;
}

int cmd_top(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	int r = opts_parse(&top_cmd, argc, argv, NULL, NULL, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	struct stack_ctx c;
	if (stack_ctx_open(&c, &ctx->project, err) < 0)
		return -1;
	int rc = svc_args_check(&c.st, "top", &ops, err);
	if (rc == 0 && stack_need_supervisor(&c, "top", err) < 0)
		rc = -1;
	if (rc == 0)
		rc = top(&c, &ops, err);
	stack_ctx_free(&c);
	return rc;
}
