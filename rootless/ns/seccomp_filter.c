#define _GNU_SOURCE
#include "ns/seccomp_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"

static const char *const chown_calls[] = {"chown",   "fchown",	 "lchown",  "fchownat",
					  "chown32", "fchown32", "lchown32"};
static const char *const id_calls[] = {"setuid",     "setgid",	   "setgroups",	  "setreuid",
				       "setregid",   "setresuid",  "setresgid",	  "setfsuid",
				       "setfsgid",   "setuid32",   "setgid32",	  "setgroups32",
				       "setreuid32", "setregid32", "setresuid32", "setresgid32",
				       "setfsuid32", "setfsgid32", "capset"};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return true;
	return false;
}

/* What a faked call does: succeed at once, or (recorded chowns) wait for
 * clan's answer. */
static uint32_t fake_action(const char *name, unsigned fake)
{
	bool chown = in_list(name, chown_calls, ARRAY_SIZE(chown_calls));
	return chown && (fake & SECCOMP_RECORD_CHOWN) ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(0);
}

static bool is_faked(const char *name, unsigned fake)
{
	return ((fake & SECCOMP_FAKE_CHOWN) &&
		in_list(name, chown_calls, ARRAY_SIZE(chown_calls))) ||
	       ((fake & SECCOMP_FAKE_IDS) && in_list(name, id_calls, ARRAY_SIZE(id_calls)));
}

static bool has_rule(const struct seccomp_profile *p, const char *name)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].name, name) == 0)
			return true;
	return false;
}

/* Calls the profile lets through by default (and names in no rule) that
 * are faked: a rule each. */
static int add_fakes(scmp_filter_ctx ctx, const struct seccomp_profile *p, const char *const *list,
		     size_t n, unsigned fake, struct clan_err *err)
{
	for (size_t i = 0; p->default_action == SCMP_ACT_ALLOW && i < n; i++) {
		if (has_rule(p, list[i]))
			continue;
		int nr = seccomp_syscall_resolve_name(list[i]);
		int rc = nr == __NR_SCMP_ERROR
			     ? 0
			     : seccomp_rule_add(ctx, fake_action(list[i], fake), nr, 0);
		if (rc < 0 && rc != -EEXIST)
			return clan_error(err, -rc, "cannot add the rule for %s", list[i]);
	}
	return 0;
}

static const char *const mknod_calls[] = {"mknod", "mknodat"};

/* Whether the profile lets name through whatever its arguments. */
static bool allows(const struct seccomp_profile *p, const char *name)
{
	if (p->default_action == SCMP_ACT_ALLOW)
		return !has_rule(p, name);
	for (size_t i = 0; i < p->nrules; i++)
		if (strcmp(p->rules[i].name, name) == 0 && p->rules[i].action == SCMP_ACT_ALLOW &&
		    p->rules[i].nargs == 0)
			return true;
	return false;
}

/* With SECCOMP_FAKE_IDS, a mknod of a device node succeeds without
 * effect (one mapped id cannot make one; a package's postinst tries), as
 * Charliecloud does; other file types as the profile lets them. The mode
 * is mknod's second argument, mknodat's third. */
static int add_mknod_fakes(scmp_filter_ctx ctx, const struct seccomp_profile *p,
			   struct clan_err *err)
{
	static const unsigned faked[] = {S_IFCHR, S_IFBLK};
	static const unsigned kept[] = {0, S_IFREG, S_IFIFO, S_IFSOCK};
	for (size_t i = 0; i < ARRAY_SIZE(mknod_calls); i++) {
		int nr = seccomp_syscall_resolve_name(mknod_calls[i]);
		if (nr == __NR_SCMP_ERROR || !allows(p, mknod_calls[i]))
			continue;
		unsigned arg = i == 0 ? 1 : 2;
		int rc = 0;
		for (size_t k = 0; rc == 0 && k < ARRAY_SIZE(faked); k++)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(0), nr, 1,
					      SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, S_IFMT, faked[k]));
		for (size_t k = 0;
		     rc == 0 && p->default_action != SCMP_ACT_ALLOW && k < ARRAY_SIZE(kept); k++)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					      SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, S_IFMT, kept[k]));
		if (rc < 0)
			return clan_error(err, -rc, "cannot add the rule for %s", mknod_calls[i]);
	}
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct seccomp_profile *p, unsigned fake,
		     struct clan_err *err)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct seccomp_rule *r = &p->rules[i];
		int nr = seccomp_syscall_resolve_name(r->name);
		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown here (another machine's, or newer) */
		/* add_mknod_fakes has it, by the type of node */
		if ((fake & SECCOMP_FAKE_IDS) && in_list(r->name, mknod_calls, 2) &&
		    allows(p, r->name))
			continue;
		uint32_t action = r->action;
		if (action == SCMP_ACT_ALLOW && is_faked(r->name, fake))
			action = fake_action(r->name, fake);
		if (action == p->default_action)
			continue; /* libseccomp refuses what changes nothing */
		int rc = seccomp_rule_add_array(ctx, action, nr, r->nargs, r->args);
		if (rc < 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "seccomp profile: cannot add the rule for %s: %s",
					       r->name, strerror(-rc));
	}
	if ((fake & SECCOMP_FAKE_CHOWN) &&
	    add_fakes(ctx, p, chown_calls, ARRAY_SIZE(chown_calls), fake, err) < 0)
		return -1;
	if ((fake & SECCOMP_FAKE_IDS) &&
	    (add_fakes(ctx, p, id_calls, ARRAY_SIZE(id_calls), fake, err) < 0 ||
	     add_mknod_fakes(ctx, p, err) < 0))
		return -1;
	return 0;
}

static scmp_filter_ctx build(const struct seccomp_profile *p, unsigned fake, struct clan_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(p->default_action);
	if (!ctx) {
		clan_error(err, ENOMEM, "cannot create the seccomp filter");
		return NULL;
	}
	/* a binary tree of syscall numbers, not a list: cheaper for the
	 * kernel, which runs the filter for every syscall number when it is
	 * loaded (to cache what is always allowed) */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < p->narches && rc == 0; i++) {
		rc = seccomp_arch_add(ctx, p->arches[i]);
		rc = rc == -EEXIST ? 0 : rc;
	}
	if (rc < 0) {
		clan_error(err, -rc, "cannot add an architecture to the seccomp filter");
	} else if (add_rules(ctx, p, fake, err) == 0) {
		return ctx;
	}
	seccomp_release(ctx);
	return NULL;
}

/* libseccomp 2.5 exports to an fd only: a memfd, read back. */
static int export_bpf(scmp_filter_ctx ctx, struct seccomp_bpf *out, struct clan_err *err)
{
	_cleanup_close_ int fd = memfd_create("clan-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return clan_error(err, errno, "cannot export the seccomp filter");
	int rc = seccomp_export_bpf(ctx, fd);
	if (rc < 0)
		return clan_error(err, -rc, "cannot export the seccomp filter");
	off_t size = lseek(fd, 0, SEEK_CUR);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0)
		return clan_error(err, EINVAL, "cannot export the seccomp filter");
	size_t len = (size_t)size / sizeof(struct sock_filter);
	if (len > BPF_MAXINSNS)
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "seccomp profile: its filter has %zu instructions, more than "
		    "the kernel's %d; use fewer argument rules",
		    len, BPF_MAXINSNS);
	struct sock_filter *insns = xcalloc(len, sizeof *insns);
	if (pread(fd, insns, (size_t)size, 0) != size) {
		free(insns);
		return clan_error(err, errno, "cannot export the seccomp filter");
	}
	*out = (struct seccomp_bpf){.insns = insns, .len = len};
	return 0;
}

int seccomp_compile(const struct seccomp_profile *p, unsigned fake, struct seccomp_bpf *out,
		    struct clan_err *err)
{
	*out = (struct seccomp_bpf){0};
	if (p->default_action == SCMP_ACT_ALLOW && p->nrules == 0 && !fake)
		return 0;
	scmp_filter_ctx ctx = build(p, fake, err);
	if (!ctx)
		return -1;
	int rc = export_bpf(ctx, out, err);
	seccomp_release(ctx);
	out->notify = rc == 0 && (fake & SECCOMP_RECORD_CHOWN);
	return rc;
}

/* f with each "wait for the listener" made "succeed at once". */
static int apply_unrecorded(const struct seccomp_bpf *f, struct clan_err *err)
{
	_cleanup_free_ struct sock_filter *insns = xcalloc(f->len, sizeof *insns);
	for (size_t i = 0; i < f->len; i++) {
		insns[i] = f->insns[i];
		if (insns[i].code == (BPF_RET | BPF_K) && insns[i].k == SECCOMP_RET_USER_NOTIF)
			insns[i].k = SECCOMP_RET_ERRNO;
	}
	struct sock_fprog prog = {.len = (unsigned short)f->len, .filter = insns};
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return clan_error(err, errno, "cannot load the seccomp filter");
	return 0;
}

int seccomp_bpf_apply(const struct seccomp_bpf *f, int *listener, struct clan_err *err)
{
	if (listener)
		*listener = -1;
	if (f->len == 0)
		return 0;
	struct sock_fprog prog = {.len = (unsigned short)f->len, .filter = f->insns};
	if (f->notify && listener) {
		long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				  SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
		if (fd >= 0) {
			*listener = (int)fd;
			return 0;
		}
		/* a filter above ours has a listener (clan in a build's RUN, a
		 * supervisor that intercepts calls): the chowns succeed
		 * unrecorded, as without SECCOMP_RECORD_CHOWN */
		if (errno == EBUSY)
			return apply_unrecorded(f, err);
		return clan_error(err, errno, "cannot load the seccomp filter");
	}
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return clan_error(err, errno, "cannot load the seccomp filter");
	return 0;
}

int seccomp_bpf_save(const struct seccomp_bpf *f, const char *path, struct clan_err *err)
{
	/* a cache file is replaced by rename, never written to: a link to it
	 * keeps these instructions, and costs no data block */
	if (f->cached && link(f->cached, path) == 0)
		return 0;
	/* never through a link to the cache, whatever path held */
	if (f->cached && unlink(path) < 0 && errno != ENOENT)
		return clan_error(err, errno, "cannot replace %s", path);
	return write_file(path, (const char *)f->insns, f->len * sizeof *f->insns, err);
}

int seccomp_bpf_read(const char *path, struct seccomp_bpf *f, struct clan_err *err)
{
	*f = (struct seccomp_bpf){0};
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return clan_error(err, errno, "cannot read %s", path);
	if (!S_ISREG(st.st_mode) || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size > (off_t)(BPF_MAXINSNS * sizeof(struct sock_filter)))
		return clan_error(err, 0, "%s is not a seccomp filter", path);
	size_t len = (size_t)st.st_size / sizeof(struct sock_filter);
	if (len == 0)
		return 0;
	f->insns = xcalloc(len, sizeof *f->insns);
	if (pread(fd, f->insns, (size_t)st.st_size, 0) != st.st_size) {
		seccomp_bpf_free(f);
		return clan_error(err, errno, "cannot read %s", path);
	}
	f->len = len;
	return 0;
}

void seccomp_bpf_free(struct seccomp_bpf *f)
{
	free(f->insns);
	free(f->cached);
	*f = (struct seccomp_bpf){0};
}

int seccomp_fake_chown(struct clan_err *err)
{
	struct seccomp_profile p;
	seccomp_profile_unconfined(&p);
	scmp_filter_ctx ctx = build(&p, SECCOMP_FAKE_CHOWN, err);
	if (!ctx)
		return -1;
	int rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return clan_error(err, -rc, "cannot load the seccomp filter");
	return 0;
}
