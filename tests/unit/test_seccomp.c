/* Unit tests for the seccomp profiles and filters: the default table,
 * Docker's JSON format and every refusal, the compiled filter loaded in a
 * child (keyctl EPERM, an unknown syscall ENOSYS, the fake chown), the
 * record's copy and the cache of the built-in profiles. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ns/caps.h"
#include "ns/seccomp_filter.h"
#include "ns/seccomp_profile.h"
#include "tap.h"
#include "base/util.h"

static const struct seccomp_rule *find_rule(const struct seccomp_profile *p, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return &p->rules[i];
	return NULL;
}

static int parse(const char *json, struct seccomp_profile *p, struct clan_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
	return seccomp_profile_parse(json, strlen(json), caps_default_mask(), p, err);
}

/* Runs fn in a child under f (after no_new_privs, as the container's
 * command); returns the child's exit code. */
static int in_child(const struct seccomp_bpf *f, int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		struct clan_err err;
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    seccomp_bpf_apply(f, NULL, &err) < 0)
			_exit(100);
		_exit(fn());
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int call_keyctl(void)
{
	return syscall(SYS_keyctl, 0, -3, 0) < 0 ? errno : 0;
}

static int call_unknown(void)
{
	return syscall(1000) < 0 ? errno : 0;
}

static int call_unshare_user(void)
{
	return syscall(SYS_unshare, 0x10000000 /* CLONE_NEWUSER */) < 0 ? errno : 0;
}

static int call_getpid(void)
{
	return getpid() > 0 ? 0 : 1;
}

/* without the fake chown this fails (ENOENT): no path lookup happens */
static int call_chown_missing(void)
{
	return chown("/nonexistent/clan-test", 12345, 12345) < 0 ? errno : 0;
}

TEST(default_table)
{
	struct seccomp_profile p;
	seccomp_profile_default(&p, caps_default_mask());
	CHECK(p.default_action == SCMP_ACT_ERRNO(ENOSYS));
	CHECK(p.nrules > 400);
	const char *denied[] = {
	    "keyctl",	      "add_key",	 "bpf",	  "kexec_load", "userfaultfd",
	    "io_uring_setup", "perf_event_open", "mount", "setns",	"open_by_handle_at",
	    "init_module",    "reboot"};
	for (size_t i = 0; i < ARRAY_SIZE(denied); i++) {
		const struct seccomp_rule *r = find_rule(&p, denied[i]);
		CHECK(r && r->action == SCMP_ACT_ERRNO(EPERM) && r->nargs == 0);
	}
	const char *allowed[] = {"read", "execve", "chown", "setresuid", "ptrace", "chroot"};
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++) {
		const struct seccomp_rule *r = find_rule(&p, allowed[i]);
		CHECK(r && r->action == SCMP_ACT_ALLOW);
	}
	CHECK(find_rule(&p, "clone3")->action == SCMP_ACT_ERRNO(ENOSYS));
	/* clone and unshare: allowed only without namespace flags */
	CHECK(find_rule(&p, "clone")->nargs == 1);
	CHECK(find_rule(&p, "clone")->args[0].op == SCMP_CMP_MASKED_EQ);
	seccomp_profile_free(&p);
}

/* --cap-add gives the calls Docker's profile gives with the capability;
 * the default set's table is the one above, rule for rule. */
TEST(default_table_follows_the_capabilities)
{
	uint64_t def = caps_default_mask();
	struct seccomp_profile p;
	seccomp_profile_default(&p, def | 1ULL << CAP_SYS_ADMIN | 1ULL << CAP_SYS_TIME);
	const char *now_allowed[] = {"mount",	    "umount2",	     "setns",
				     "sethostname", "clock_settime", "settimeofday"};
	for (size_t i = 0; i < ARRAY_SIZE(now_allowed); i++) {
		const struct seccomp_rule *r = find_rule(&p, now_allowed[i]);
		CHECK(r && r->action == SCMP_ACT_ALLOW && r->nargs == 0);
	}
	const char *still_denied[] = {"keyctl",	     "kexec_load", "io_uring_setup",
				      "init_module", "kcmp",	   "reboot"};
	for (size_t i = 0; i < ARRAY_SIZE(still_denied); i++) {
		const struct seccomp_rule *r = find_rule(&p, still_denied[i]);
		CHECK(r && r->action == SCMP_ACT_ERRNO(EPERM));
	}
	/* namespaces with CAP_SYS_ADMIN, as Docker */
	CHECK(find_rule(&p, "unshare")->nargs == 0);
	CHECK(find_rule(&p, "unshare")->action == SCMP_ACT_ALLOW);
	seccomp_profile_free(&p);
	seccomp_profile_default(&p, def | 1ULL << CAP_SYS_PTRACE);
	CHECK(find_rule(&p, "kcmp")->action == SCMP_ACT_ALLOW);
	CHECK(find_rule(&p, "mount")->action == SCMP_ACT_ERRNO(EPERM));
	seccomp_profile_free(&p);
	/* dropping capabilities takes no call away that the default set has:
	 * the kernel refuses what the capability guarded */
	struct seccomp_profile a, b;
	seccomp_profile_default(&a, def);
	seccomp_profile_default(&b, 0);
	CHECK(a.nrules == b.nrules);
	for (size_t i = 0; i < a.nrules && i < b.nrules; i++)
		CHECK(strcmp(a.rules[i].name, b.rules[i].name) == 0 &&
		      a.rules[i].action == b.rules[i].action);
	seccomp_profile_free(&a);
	seccomp_profile_free(&b);
}

TEST(default_filter_in_child)
{
	struct clan_err err;
	struct seccomp_profile p;
	struct seccomp_bpf f;
	seccomp_profile_default(&p, caps_default_mask());
	CHECK(seccomp_compile(&p, false, &f, &err) == 0);
	CHECK(f.len > 100 && f.len <= 4096);
	CHECK(in_child(&f, call_getpid) == 0);
	CHECK(in_child(&f, call_keyctl) == EPERM);
	CHECK(in_child(&f, call_unknown) == ENOSYS);
	CHECK(in_child(&f, call_unshare_user) == EPERM);
	CHECK(in_child(&f, call_chown_missing) == ENOENT);
	seccomp_bpf_free(&f);
	/* single-id mode: chown succeeds without effect */
	CHECK(seccomp_compile(&p, true, &f, &err) == 0);
	CHECK(in_child(&f, call_chown_missing) == 0);
	CHECK(in_child(&f, call_keyctl) == EPERM);
	seccomp_bpf_free(&f);
	seccomp_profile_free(&p);
}

TEST(unconfined)
{
	struct clan_err err;
	struct seccomp_profile p;
	struct seccomp_bpf f;
	seccomp_profile_unconfined(&p);
	CHECK(seccomp_compile(&p, false, &f, &err) == 0);
	CHECK(f.len == 0 && f.insns == NULL);
	CHECK(in_child(&f, call_chown_missing) == ENOENT);
	CHECK(in_child(&f, call_unknown) == ENOSYS);
	CHECK(seccomp_compile(&p, true, &f, &err) == 0);
	CHECK(f.len > 0);
	CHECK(in_child(&f, call_chown_missing) == 0);
	CHECK(in_child(&f, call_keyctl) != EPERM);
	seccomp_bpf_free(&f);
	seccomp_profile_free(&p);
}

/* In single-id mode a profile's own chown rule stays: only what it lets
 * through becomes the fake chown. */
TEST(fake_chown_keeps_the_profiles_rule)
{
	struct clan_err err;
	struct seccomp_profile p;
	struct seccomp_bpf f;
	CHECK(
	    parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		  "[\"chown\", \"fchownat\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 13}]}",
		  &p, &err) == 0);
	CHECK(seccomp_compile(&p, true, &f, &err) == 0);
	CHECK(in_child(&f, call_chown_missing) == EACCES);
	seccomp_bpf_free(&f);
	seccomp_profile_free(&p);
}

static char mknod_dir[64];

/* 0 when device nodes "succeed" without being made and a FIFO is made. */
static int call_mknods(void)
{
	char dev[128], blk[128], fifo[128];
	struct stat st;
	snprintf(dev, sizeof dev, "%s/null", mknod_dir);
	snprintf(blk, sizeof blk, "%s/sda", mknod_dir);
	snprintf(fifo, sizeof fifo, "%s/fifo", mknod_dir);
	if (mknod(dev, S_IFCHR | 0600, makedev(1, 3)) != 0)
		return 1;
	if (mknodat(AT_FDCWD, blk, S_IFBLK | 0600, makedev(8, 0)) != 0)
		return 2;
	if (lstat(dev, &st) == 0 || lstat(blk, &st) == 0)
		return 3; /* without effect */
	if (mknod(fifo, S_IFIFO | 0600, 0) != 0 || lstat(fifo, &st) != 0 || !S_ISFIFO(st.st_mode))
		return 4;
	return 0;
}

/* A build's RUN with one mapped id (SECCOMP_FAKE_IDS): a package's mknod
 * of a device node succeeds without effect, other nodes are made, in the
 * default profile (which lists mknod) and in an unconfined one. */
TEST(build_run_fakes_device_nodes)
{
	struct clan_err err;
	struct seccomp_profile p;
	struct seccomp_bpf f;
	snprintf(mknod_dir, sizeof mknod_dir, "/tmp/clan-mknod-XXXXXX");
	if (!mkdtemp(mknod_dir))
		SKIP("no temp dir");
	for (int unconfined = 0; unconfined < 2; unconfined++) {
		if (unconfined)
			seccomp_profile_unconfined(&p);
		else
			seccomp_profile_default(&p, caps_default_mask());
		CHECK(seccomp_compile(&p, SECCOMP_FAKE_CHOWN | SECCOMP_FAKE_IDS, &f, &err) == 0);
		CHECK(in_child(&f, call_mknods) == 0);
		char fifo[128];
		snprintf(fifo, sizeof fifo, "%s/fifo", mknod_dir);
		unlink(fifo);
		seccomp_bpf_free(&f);
		seccomp_profile_free(&p);
	}
	rmdir(mknod_dir);
}

static const char docker_like[] =
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
    " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\","
    "   \"subArchitectures\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},"
    "  {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]},"
    "  {\"architecture\": \"SCMP_ARCH_S390X\", \"subArchitectures\": null}],"
    " \"syscalls\": ["
    "  {\"names\": [\"read\", \"write\", \"exit_group\", \"no_such_call\"],"
    "   \"action\": \"SCMP_ACT_ALLOW\"},"
    "  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
    "  {\"names\": [\"chown\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"includes\": {\"caps\": [\"CAP_CHOWN\"], \"minKernel\": \"4.8\"}},"
    "  {\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"excludes\": {\"caps\": [\"CAP_SYS_PTRACE\"]}},"
    "  {\"names\": [\"keyctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38},"
    "  {\"name\": \"personality\", \"action\": \"SCMP_ACT_ALLOW\","
    "   \"args\": [{\"index\": 0, \"value\": 8, \"valueTwo\": 0, \"op\": \"SCMP_CMP_EQ\"}]},"
    "  {\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
    "            {\"index\": 0, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]},"
    "  {\"names\": [\"reboot\"], \"action\": \"SCMP_ACT_ALLOW\","
    "   \"includes\": {\"arches\": [\"s390x\"]}, \"comment\": \"ignored\"}"
    " ]}";

TEST(docker_json)
{
	struct clan_err err;
	struct seccomp_profile p;
	CHECK(parse(docker_like, &p, &err) == 0);
	CHECK(p.default_action == SCMP_ACT_ERRNO(EPERM));
	if (seccomp_arch_native() == SCMP_ARCH_X86_64)
		CHECK(p.narches == 2);
	CHECK(find_rule(&p, "read") && find_rule(&p, "no_such_call"));
	CHECK(find_rule(&p, "mount") == NULL);	/* CAP_SYS_ADMIN: not given */
	CHECK(find_rule(&p, "chown") != NULL);	/* CAP_CHOWN: given */
	CHECK(find_rule(&p, "ptrace") != NULL); /* excluded only with the cap */
	CHECK(find_rule(&p, "reboot") == NULL); /* another machine's */
	seccomp_profile_free(&p);
	/* the container's capabilities decide includes and excludes */
	uint64_t more = caps_default_mask() | 1ULL << CAP_SYS_ADMIN | 1ULL << CAP_SYS_PTRACE;
	CHECK(seccomp_profile_parse(docker_like, strlen(docker_like), more, &p, &err) == 0);
	CHECK(find_rule(&p, "mount") != NULL);
	CHECK(find_rule(&p, "ptrace") == NULL);
	seccomp_profile_free(&p);
	CHECK(seccomp_profile_parse(docker_like, strlen(docker_like), 0, &p, &err) == 0);
	CHECK(find_rule(&p, "chown") == NULL); /* --cap-drop CHOWN */
	seccomp_profile_free(&p);
	CHECK(parse(docker_like, &p, &err) == 0);
	CHECK(find_rule(&p, "keyctl")->action == SCMP_ACT_ERRNO(ENOSYS));
	const struct seccomp_rule *r = find_rule(&p, "personality");
	CHECK(r && r->nargs == 1 && r->args[0].datum_a == 8 && r->args[0].op == SCMP_CMP_EQ);
	/* two comparisons of one argument: two rules (either may match) */
	size_t sockets = 0;
	for (size_t i = 0; i < p.nrules; i++)
		if (strcmp(p.rules[i].name, "socket") == 0) {
			sockets++;
			CHECK(p.rules[i].nargs == 1);
		}
	CHECK(sockets == 2);
	struct seccomp_bpf f;
	CHECK(seccomp_compile(&p, false, &f, &err) == 0);
	CHECK(f.len > 0);
	/* not run: its allow-list is too short for ASan's runtime; the
	 * errnoRet of a JSON rule is run in fake_chown_keeps_the_profiles_rule */
	seccomp_bpf_free(&f);
	seccomp_profile_free(&p);
}

TEST(docker_json_refused)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
	    {"", "not a JSON profile"},
	    {"{\"defaultAction\": ", "not a JSON profile: line 1"},
	    {"[]", "expected a JSON object"},
	    {"{}", "defaultAction: expected an action"},
	    {"{\"defaultAction\": \"SCMP_ACT_FOO\"}",
	     "defaultAction: unknown action \"SCMP_ACT_FOO\""},
	    {"{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "SCMP_ACT_NOTIFY needs a seccomp agent"},
	    {"{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 5000}",
	     "errnoRet: expected a number from 0 to 4095"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": {}}",
	     "syscalls: expected an array"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [1]}",
	     "syscalls[0]: expected an object"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": \"read\", "
	     "\"action\": \"SCMP_ACT_ERRNO\"}]}",
	     "syscalls[0]: expected an array of strings"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\", 3], "
	     "\"action\": \"SCMP_ACT_ERRNO\"}]}",
	     "syscalls[0][1]: expected a string"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"]}]}",
	     "syscalls[0]: expected an action"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"name\": \"read\", "
	     "\"names\": [\"write\"], \"action\": \"SCMP_ACT_ERRNO\"}]}",
	     "not both"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"op\": "
	     "\"SCMP_CMP_EQ\"}]}]}",
	     "syscalls[0].args[0].index: expected 0 to 5"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"op\": "
	     "\"SCMP_CMP_XX\"}]}]}",
	     "syscalls[0].args[0].op: unknown operator \"SCMP_CMP_XX\""},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": \"1\", "
	     "\"op\": \"SCMP_CMP_EQ\"}]}]}",
	     "value and valueTwo must be numbers"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], "
	     "\"action\": \"SCMP_ACT_ERRNO\", \"includes\": {\"caps\": \"CAP_X\"}}]}",
	     "syscalls[0].includes: expected an array of strings"},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"PDP11\"]}",
	     "unknown architecture \"PDP11\""},
	    {"{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86\"], "
	     "\"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}",
	     "architectures or archMap, not both"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct clan_err err;
		struct seccomp_profile p;
		int rc = parse(cases[i].json, &p, &err);
		if (rc == 0)
			seccomp_profile_free(&p);
		CHECK(rc < 0);
		CHECK(err.code == 2);
		if (!strstr(err.msg, cases[i].want)) {
			printf("#   case %zu: '%s' lacks '%s'\n", i, err.msg, cases[i].want);
			*tap_failed = 1;
		}
		CHECK(p.nrules == 0 && p.rules == NULL);
	}
}

/* A profile whose filter the kernel would refuse (more than 4096
 * instructions) is a usage error saying so when it is compiled. */
TEST(filter_too_long)
{
	struct clan_err err;
	struct seccomp_profile p;
	struct seccomp_bpf f = {0};
	char *json = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&json, &len);
	fputs("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [", m);
	for (int i = 0; i < 4200; i++)
		fprintf(m,
			"%s{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": "
			"[{\"index\": 0, \"value\": %d, \"op\": \"SCMP_CMP_EQ\"}]}",
			i ? "," : "", i);
	fputs("]}", m);
	fclose(m);
	CHECK(parse(json, &p, &err) == 0);
	free(json);
	int rc = seccomp_compile(&p, false, &f, &err);
	CHECK(rc < 0);
	CHECK(err.code == 2 && strstr(err.msg, "more than the kernel's 4096") != NULL);
	CHECK(f.len == 0);
	seccomp_profile_free(&p);
}

TEST(load_file)
{
	struct clan_err err;
	struct seccomp_profile p;
	char dir[] = "/tmp/clan-test-seccomp.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	_cleanup_free_ char *path = xasprintf("%s/p.json", dir);
	CHECK(write_file(path, "{\"defaultAction\": 7}", 20, &err) == 0);
	CHECK(seccomp_profile_load(path, &p, &err) < 0);
	CHECK(err.code == 2);
	_cleanup_free_ char *want = xasprintf("%s: defaultAction: expected an action", path);
	CHECK(strncmp(err.msg, want, strlen(want)) == 0);
	_cleanup_free_ char *missing = xasprintf("%s/none.json", dir);
	CHECK(seccomp_profile_load(missing, &p, &err) < 0);
	CHECK(err.code == 2 && strstr(err.msg, "cannot open") != NULL);
	/* the record's copy, and a damaged one */
	struct seccomp_profile d;
	struct seccomp_bpf f, g;
	seccomp_profile_default(&d, caps_default_mask());
	CHECK(seccomp_compile(&d, false, &f, &err) == 0);
	_cleanup_free_ char *bpf = xasprintf("%s/seccomp.bpf", dir);
	CHECK(seccomp_bpf_save(&f, bpf, &err) == 0);
	CHECK(seccomp_filter_of_record(dir, false, &g, &err) == 0);
	CHECK(g.len == f.len && memcmp(g.insns, f.insns, f.len * sizeof *f.insns) == 0);
	seccomp_bpf_free(&g);
	CHECK(write_file(bpf, "12345", 5, &err) == 0);
	CHECK(seccomp_filter_of_record(dir, false, &g, &err) < 0);
	CHECK(strstr(err.msg, "is not a seccomp filter") != NULL);
	CHECK(write_file(bpf, "", 0, &err) == 0); /* unconfined */
	CHECK(seccomp_filter_of_record(dir, false, &g, &err) == 0 && g.len == 0);
	unlink(bpf);
	/* a record from before seccomp: the default */
	CHECK(seccomp_filter_of_record(dir, false, &g, &err) == 0 && g.len == f.len);
	seccomp_bpf_free(&g);
	seccomp_bpf_free(&f);
	seccomp_profile_free(&d);
	unlink(path);
	rmdir(dir);
}

TEST(cache)
{
	struct clan_err err;
	char dir[] = "/tmp/clan-test-seccomp.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	struct seccomp_bpf a, b, c;
	CHECK(seccomp_filter_for(NULL, true, caps_default_mask(), dir, &a, &err) == 0);
	_cleanup_free_ char *cdir = xasprintf("%s/seccomp", dir);
	struct stat st;
	CHECK(stat(cdir, &st) == 0 && (st.st_mode & 0777) == 0700);
	CHECK(seccomp_filter_for(NULL, true, caps_default_mask(), dir, &b, &err) == 0);
	CHECK(a.len == b.len && memcmp(a.insns, b.insns, a.len * sizeof *a.insns) == 0);
	/* a hit names its file; a container's copy is a link to it */
	CHECK(a.cached == NULL && b.cached != NULL && strstr(b.cached, cdir) == b.cached);
	/* keyed by this binary's build id: the profile is not built to hash it */
	CHECK(strstr(b.cached, "/default-b") != NULL);
	_cleanup_free_ char *copy = xasprintf("%s/copy.bpf", dir);
	CHECK(seccomp_bpf_save(&b, copy, &err) == 0);
	CHECK(stat(b.cached, &st) == 0 && st.st_nlink == 2);
	/* a damaged cache entry is built again and replaced by rename: the
	 * container's link keeps its instructions */
	CHECK(unlink(b.cached) == 0 && write_file(b.cached, "12345", 5, &err) == 0);
	struct seccomp_bpf d;
	CHECK(seccomp_filter_for(NULL, true, caps_default_mask(), dir, &d, &err) == 0);
	CHECK(d.cached == NULL && d.len == a.len &&
	      memcmp(a.insns, d.insns, a.len * sizeof *a.insns) == 0);
	seccomp_bpf_free(&d);
	CHECK(seccomp_bpf_read(copy, &d, &err) == 0 && d.len == a.len);
	seccomp_bpf_free(&d);
	/* other capabilities are another entry */
	CHECK(seccomp_filter_for(NULL, true, caps_default_mask() | (1ULL << CAP_SYS_ADMIN), dir, &d,
				 &err) == 0);
	CHECK(d.cached == NULL);
	seccomp_bpf_free(&d);
	/* the other mode is another entry */
	CHECK(seccomp_filter_for("default", false, caps_default_mask(), dir, &c, &err) == 0);
	CHECK(c.len != a.len || memcmp(a.insns, c.insns, a.len * sizeof *a.insns) != 0);
	seccomp_bpf_free(&c);
	CHECK(seccomp_filter_for("unconfined", false, caps_default_mask(), dir, &c, &err) == 0 &&
	      c.len == 0);
	CHECK(seccomp_filter_for("/nonexistent/p.json", false, caps_default_mask(), dir, &c, &err) <
	      0);
	CHECK(err.code == 2);
	seccomp_bpf_free(&a);
	seccomp_bpf_free(&b);
	CHECK(remove_tree(dir, &err) == 0);
}
