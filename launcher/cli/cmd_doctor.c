/* clan doctor: checks what this machine lets an unprivileged user do and
 * prints one line per check, with the exact fix for each problem. Exit 0
 * when clan can work here (warnings only), 1 when something fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/fsinfo.h"
#include "ns/idmap.h"
#include "base/paths.h"
#include "cli/probe.h"
#include "base/settings.h"
#include "base/util.h"

enum level { LEVEL_OK, LEVEL_WARN, LEVEL_FAIL };

#define STORAGE_FIX                                                                      \
	"set CLAN_STORAGE to a local disk, e.g. export CLAN_STORAGE=/tmp/$USER/clan or " \
	"node-local scratch"

/* What the checks found so far: later checks (the overlay summary) build
 * on earlier ones. */
struct doctor {
	int fails;
	uid_t uid;
	char *user; /* login name, or the uid when there is no passwd entry */
	bool kernel_overlay;
	bool fuse_device;
	bool fuse_overlayfs;
};

/* Prints "LEVEL TEXT[; fix: FIX]"; text is "<what>" for ok and
 * "<what>: <problem>" otherwise. */
__attribute__((format(printf, 4, 5))) static void say(struct doctor *d, enum level lvl,
						      const char *fix, const char *fmt, ...)
{
	static const char *const words[] = {"ok", "warn", "fail"};
	va_list ap;

	printf("%-6s", words[lvl]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (fix)
		printf("; fix: %s", fix);
	putchar('\n');
	fflush(stdout);
	if (lvl == LEVEL_FAIL)
		d->fails++;
}

/* The contents of a /proc/sys file; NULL when it does not exist (the
 * sysctl belongs to a patch or LSM this kernel lacks) or is unreadable. */
static char *read_sysctl(const char *path)
{
	char *text = NULL;
	struct clan_err err;
	if (read_file(path, 4096, &text, &err) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	return text;
}

/* 1. user namespaces: the sysctls that can forbid them, then the real
 * thing. A blocking sysctl only fails when the probe fails too: an
 * AppArmor profile for clan or running as root can lift the block. */
static void check_userns(struct doctor *d)
{
	struct clan_err err = {.code = CLAN_EXIT_FAIL};
	bool works = probe_userns(&err) == 0;
	const char *blocked_fix = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(probe_userns_sysctls); i++) {
		const struct probe_sysctl *s = &probe_userns_sysctls[i];
		_cleanup_free_ char *text = read_sysctl(s->path);
		if (!text)
			continue;
		if (!probe_sysctl_blocks(s, text))
			say(d, LEVEL_OK, NULL, "%s = %s", s->name, text);
		else if (works)
			say(d, LEVEL_OK, NULL, "%s = %s, but user namespaces work for you", s->name,
			    text);
		else {
			say(d, LEVEL_FAIL, s->fix,
			    "%s: is %s, which forbids unprivileged user namespaces", s->name, text);
			blocked_fix = blocked_fix ? blocked_fix : s->fix;
		}
	}
	if (works)
		say(d, LEVEL_OK, NULL,
		    "user namespaces: a user and mount namespace can be created");
	else
		say(d, LEVEL_FAIL,
		    blocked_fix ? blocked_fix
				: "use a kernel with CONFIG_USER_NS=y and run clan outside any "
				  "container whose seccomp profile blocks unshare(2)",
		    "user namespaces: cannot create one: %s", err.msg);
}

/* The text of /etc/subuid or /etc/subgid, "" when it is missing. */
static char *read_subid_file(const char *path)
{
	char *text = NULL;
	struct clan_err err;
	return read_file(path, 1 << 22, &text, &err) < 0 ? xstrdup("") : text;
}

/* The usermod command that gives the user a free range in the files that
 * lack one (uid_missing/gid_missing). */
static char *subid_fix(const struct doctor *d, bool uid_missing, bool gid_missing)
{
	_cleanup_free_ char *uids = read_subid_file("/etc/subuid");
	_cleanup_free_ char *gids = read_subid_file("/etc/subgid");
	uint32_t start = probe_free_subid_start(uids);
	uint32_t gstart = probe_free_subid_start(gids);
	/* One range for both files keeps uid N and gid N the same person. */
	if (gstart > start)
		start = gstart;
	unsigned end = (unsigned)start + 65535u;
	_cleanup_free_ char *u =
	    uid_missing ? xasprintf(" --add-subuids %u-%u", (unsigned)start, end) : xstrdup("");
	_cleanup_free_ char *g =
	    gid_missing ? xasprintf(" --add-subgids %u-%u", (unsigned)start, end) : xstrdup("");
	return xasprintf("for several ids, ask an admin to run: sudo usermod%s%s %s", u, g,
			 d->user);
}

static void say_range(struct doctor *d, const char *file, const struct subid_range *r)
{
	say(d, LEVEL_OK, NULL, "%s: range %u-%u (%u ids)", file, (unsigned)r->start,
	    (unsigned)(r->start + r->count - 1), (unsigned)r->count);
}

/* 2. /etc/subuid and /etc/subgid ranges for this user: one line each, or
 * one line for both when both are missing (one usermod fixes both). */
static void check_subids(struct doctor *d)
{
	struct subid_range u, g;

	if (d->uid == 0) {
		say(d, LEVEL_OK, NULL, "/etc/subuid: not needed as root, every id maps to itself");
		return;
	}
	bool has_u = subid_find("/etc/subuid", d->user, d->uid, &u);
	bool has_g = subid_find("/etc/subgid", d->user, d->uid, &g);
	_cleanup_free_ char *fix = subid_fix(d, !has_u, !has_g);
	const char *missing = has_g   ? "/etc/subuid"
			      : has_u ? "/etc/subgid"
				      : "/etc/subuid, /etc/subgid";

	if (has_u)
		say_range(d, "/etc/subuid", &u);
	if (!has_u || !has_g)
		say(d, LEVEL_WARN, fix,
		    "%s: no subordinate ids for %s: clan works in single-id mode (you are root "
		    "inside, every file is yours) but cannot give a file to another user (chown, "
		    "a service that runs as its own user, apt's _apt)",
		    missing, d->user);
	if (has_g)
		say_range(d, "/etc/subgid", &g);
}

/* find_program's answer as an allocated string; NULL when missing. */
static char *find_binary(const char *name)
{
	char path[4096];
	return find_program(name, path, sizeof path) ? xstrdup(path) : NULL;
}

/* 3. newuidmap or newgidmap: present, and privileged enough to write a
 * map of subordinate ids (setuid root, or file capabilities). */
static void check_map_helper(struct doctor *d, const char *name)
{
	_cleanup_free_ char *path = find_binary(name);
	struct stat st;

	if (!path) {
		say(d, LEVEL_WARN, "sudo apt-get install uidmap",
		    "%s: not found: clan cannot map subordinate ids and uses single-id mode", name);
		return;
	}
	if (stat(path, &st) < 0) {
		say(d, LEVEL_WARN, "sudo apt-get install --reinstall uidmap",
		    "%s: cannot stat %s: %s", name, path, strerror(errno));
		return;
	}
	if ((st.st_mode & S_ISUID) && st.st_uid == 0) {
		say(d, LEVEL_OK, NULL, "%s: %s (setuid root)", name, path);
		return;
	}
	if (getxattr(path, "security.capability", NULL, 0) > 0) {
		say(d, LEVEL_OK, NULL, "%s: %s (file capabilities)", name, path);
		return;
	}
	_cleanup_free_ char *fix =
	    st.st_uid == 0 ? xasprintf("sudo chmod u+s %s", path)
			   : xasprintf("sudo chown root:root %s && sudo chmod u+s %s", path, path);
	if (st.st_mode & S_ISUID)
		say(d, LEVEL_WARN, fix,
		    "%s: %s is setuid to uid %u, not root: clan uses single-id mode", name, path,
		    (unsigned)st.st_uid);
	else
		say(d, LEVEL_WARN, fix,
		    "%s: %s is neither setuid root nor has file capabilities: clan uses single-id "
		    "mode",
		    name, path);
}

/* 4. a device a fallback needs; returns whether it opens read-write. */
static bool check_device(struct doctor *d, const char *path, const char *module,
			 const char *consequence)
{
	struct clan_err err = {.code = CLAN_EXIT_FAIL};
	int e = 0;

	if (probe_device(path, &e, &err) == 0) {
		say(d, LEVEL_OK, NULL, "%s: opens read-write", path);
		return true;
	}
	_cleanup_free_ char *fix = e == ENOENT ? xasprintf("sudo modprobe %s", module)
					       : xasprintf("sudo chmod 0666 %s", path);
	say(d, LEVEL_WARN, fix, "%s: %s: %s", path, err.msg, consequence);
	return false;
}

/* Where to try overlay: the storage dir, or the existing directory it
 * would be created in, so the probe runs on the filesystem clan will use. */
static char *overlay_probe_base(void)
{
	_cleanup_free_ char *storage = paths_storage_dir();
	return fsinfo_nearest_existing(storage);
}

static bool is_writable_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0;
}

/* 5. kernel overlayfs inside a user namespace, on the storage filesystem. */
static void check_kernel_overlay(struct doctor *d)
{
	struct clan_err err = {.code = CLAN_EXIT_FAIL};
	_cleanup_free_ char *base = overlay_probe_base();
	uint32_t f_type = 0;
	char fs[32] = "an unknown filesystem";

	if (fsinfo_statfs_nearest(base, &f_type, NULL, &err) == 0) {
		char buf[32];
		snprintf(fs, sizeof fs, "%s", fsinfo_name(f_type, buf, sizeof buf));
	}
	/* An unusable storage dir is the storage line's failure; say here
	 * only that the probe could not run there. */
	if (!is_writable_dir(base)) {
		say(d, LEVEL_WARN, STORAGE_FIX,
		    "kernel overlayfs: not tested: %s is not a directory you can write to", base);
		return;
	}
	if (probe_overlay_userns(base, &err) == 0) {
		d->kernel_overlay = true;
		say(d, LEVEL_OK, NULL,
		    "kernel overlayfs works in a user namespace (userxattr) on %s", fs);
		return;
	}
	say(d, LEVEL_WARN, "clan falls back to fuse-overlayfs (needs /dev/fuse) or a copy",
	    "kernel overlayfs: does not work in a user namespace on %s (%s): %s", base, fs,
	    err.msg);
}

/* 6. a helper program; returns whether it was found. */
static bool check_helper(struct doctor *d, const char *name, const char *package,
			 const char *consequence)
{
	_cleanup_free_ char *path = find_binary(name);
	if (path) {
		say(d, LEVEL_OK, NULL, "%s: %s", name, path);
		return true;
	}
	_cleanup_free_ char *fix = xasprintf("sudo apt-get install %s", package);
	say(d, LEVEL_WARN, fix, "%s: not found: %s", name, consequence);
	return false;
}

/* What fuse-overlayfs still needs, as one command; NULL when nothing. */
static char *fuse_fix(const struct doctor *d)
{
	if (!d->fuse_device && !d->fuse_overlayfs)
		return xstrdup("sudo apt-get install fuse-overlayfs && sudo chmod 0666 /dev/fuse");
	if (!d->fuse_device)
		return xstrdup("sudo chmod 0666 /dev/fuse");
	if (!d->fuse_overlayfs)
		return xstrdup("sudo apt-get install fuse-overlayfs");
	return NULL;
}

/* 7. which overlay clan will pick, the way the runtime picks it: kernel,
 * else fuse-overlayfs, else a plain copy; CLAN_OVERLAY overrides. */
static void check_overlay_choice(struct doctor *d)
{
	const char *forced = getenv("CLAN_OVERLAY");
	bool fuse = d->fuse_device && d->fuse_overlayfs;
	_cleanup_free_ char *fix = fuse_fix(d);

	if (!forced || !*forced || strcmp(forced, "auto") == 0) {
		if (d->kernel_overlay || fuse)
			say(d, LEVEL_OK, NULL, "overlay: clan will use %s",
			    d->kernel_overlay ? "kernel" : "fuse");
		else
			say(d, LEVEL_WARN, fix,
			    "overlay: clan will use copy: every container copies its image, "
			    "which is slow and uses disk");
	} else if (strcmp(forced, "copy") == 0 ||
		   (strcmp(forced, "kernel") == 0 && d->kernel_overlay) ||
		   (strcmp(forced, "fuse") == 0 && fuse)) {
		say(d, LEVEL_OK, NULL, "overlay: clan will use %s (forced by CLAN_OVERLAY)",
		    forced);
	} else if (strcmp(forced, "kernel") == 0 || strcmp(forced, "fuse") == 0) {
		bool is_fuse = strcmp(forced, "fuse") == 0;
		say(d, LEVEL_FAIL, is_fuse && fix ? fix : "unset CLAN_OVERLAY",
		    "overlay: CLAN_OVERLAY=%s forces %s, which does not work here", forced,
		    is_fuse ? "fuse-overlayfs" : "kernel overlayfs");
	} else {
		say(d, LEVEL_FAIL, "unset CLAN_OVERLAY (or set it to kernel, fuse or copy)",
		    "overlay: CLAN_OVERLAY=%s is not kernel, fuse or copy", forced);
	}
}

/* A state directory and how to move it elsewhere. */
struct dir_check {
	const char *what; /* "storage dir" */
	const char *path;
	bool is_storage;  /* a shared filesystem fails storage, warns runtime */
	const char *move; /* the fix that puts it on a private local dir */
};

/* The filesystem under dir (or under the ancestor it will be created in):
 * overlay upper dirs, file locks, unix sockets and ownership break on
 * network and cluster filesystems. Returns whether it printed a problem. */
static bool check_dir_fs(struct doctor *d, const struct dir_check *c, char *fs_name, size_t len)
{
	struct clan_err err = {.code = CLAN_EXIT_FAIL};
	uint32_t f_type;
	_cleanup_free_ char *where = NULL;
	char buf[32];

	if (fsinfo_statfs_nearest(c->path, &f_type, &where, &err) < 0) {
		say(d, LEVEL_WARN, c->move, "%s %s: %s", c->what, c->path, err.msg);
		return true;
	}
	snprintf(fs_name, len, "%s", fsinfo_name(f_type, buf, sizeof buf));
	if (!fsinfo_is_shared(f_type))
		return false;
	say(d, c->is_storage ? LEVEL_FAIL : LEVEL_WARN, c->move,
	    "%s %s: on %s (%s), a network or shared filesystem: %s", c->what, c->path, fs_name,
	    where,
	    c->is_storage ? "overlay, locks and file ownership do not work there"
			  : "locks and unix sockets may not work there");
	return true;
}

/* clan refuses a symlinked state dir (a link can be swapped under it):
 * point CLAN_STORAGE at the target instead, or let clan recreate the
 * runtime dir; move anything else out of the way. */
static char *not_a_dir_fix(const struct dir_check *c, const struct stat *st)
{
	if (S_ISLNK(st->st_mode)) {
		_cleanup_free_ char *target = realpath(c->path, NULL);
		if (c->is_storage && target && is_writable_dir(target))
			return xasprintf("export CLAN_STORAGE=%s", target);
		if (!c->is_storage)
			return xasprintf("rm %s", c->path);
		return xstrdup(c->move);
	}
	return xasprintf("mv %s %s.old", c->path, c->path);
}

/* An existing dir must be a real directory, ours, mode 0700 (what
 * paths_ensure_private_dir insists on). Returns whether it printed a
 * problem. */
static bool check_dir_owner(struct doctor *d, const struct dir_check *c, const struct stat *st)
{
	if (!S_ISDIR(st->st_mode)) {
		_cleanup_free_ char *fix = not_a_dir_fix(c, st);
		say(d, LEVEL_FAIL, fix, "%s %s: is a %s, not a directory", c->what, c->path,
		    S_ISLNK(st->st_mode) ? "symlink" : "file");
		return true;
	}
	if (st->st_uid != d->uid) {
		_cleanup_free_ char *fix = xasprintf("sudo rm -rf %s", c->path);
		say(d, LEVEL_FAIL, c->is_storage ? c->move : fix,
		    "%s %s: is owned by uid %u, not by you (uid %u)", c->what, c->path,
		    (unsigned)st->st_uid, (unsigned)d->uid);
		return true;
	}
	if ((st->st_mode & 07777) != 0700) {
		_cleanup_free_ char *fix = xasprintf("chmod 0700 %s", c->path);
		say(d, LEVEL_WARN, fix, "%s %s: has mode %04o, not 0700", c->what, c->path,
		    (unsigned)(st->st_mode & 07777));
		return true;
	}
	return false;
}

/* 8. a state dir: owner and mode when it exists, whether it can be
 * created when not, and in both cases the filesystem it is on. */
static void check_dir(struct doctor *d, const struct dir_check *c)
{
	struct stat st;
	char fs[32] = "?";
	bool exists = lstat(c->path, &st) == 0;

	if (!exists && errno != ENOENT) {
		say(d, LEVEL_FAIL, c->move, "%s %s: cannot check it: %s", c->what, c->path,
		    strerror(errno));
		return;
	}
	bool bad = exists ? check_dir_owner(d, c, &st) : false;
	if (!exists) {
		_cleanup_free_ char *parent = fsinfo_nearest_existing(c->path);
		if (access(parent, W_OK | X_OK) < 0) {
			say(d, LEVEL_FAIL, c->move, "%s %s: cannot be created: %s is not writable",
			    c->what, c->path, parent);
			bad = true;
		}
	}
	bad = check_dir_fs(d, c, fs, sizeof fs) || bad;
	if (!bad)
		say(d, LEVEL_OK, NULL, "%s %s: %s, on %s", c->what, c->path,
		    exists ? "private" : "will be created", fs);
}

/* 9. clan.conf (the site's, the user's) and the variables over them:
 * each effective value and where it came from. */
static void check_settings(struct doctor *d)
{
	static const char *const defaults[SETTING_COUNT] = {
	    [SETTING_STORAGE] = "${XDG_DATA_HOME:-~/.local/share}/clan",
	    [SETTING_IMAGE_PATH] = "no read-only image stores",
	    [SETTING_REGISTRY_MIRROR] = "none: registries are asked directly",
	    [SETTING_DEB_MIRROR] = "the host's apt sources",
	    [SETTING_USERNS] = "auto",
	    [SETTING_NETWORK] = "slirp4netns",
	    [SETTING_RM_LAYER] = "25% of RAM (disk in a Slurm job)",
	};
	struct strv warnings = {0};
	struct clan_err err = {.code = CLAN_EXIT_USAGE};
	if (settings_check(&warnings, &err) < 0)
		say(d, LEVEL_FAIL, "correct that line (clan refuses to run until then)",
		    "settings: %s", err.msg);
	for (size_t i = 0; i < warnings.n; i++)
		say(d, LEVEL_WARN, NULL, "settings: %s", warnings.v[i]);
	strv_free(&warnings);
	_cleanup_free_ char *site = settings_site_file();
	_cleanup_free_ char *user = settings_user_file();
	say(d, LEVEL_OK, NULL, "settings: read from %s, then %s, then CLAN_* variables", site,
	    user);
	for (int i = 0; i < SETTING_COUNT; i++) {
		const struct setting_name *n = settings_name((enum clan_setting)i);
		_cleanup_free_ char *origin = NULL;
		_cleanup_free_ char *v = settings_get((enum clan_setting)i, &origin);
		if (v)
			say(d, LEVEL_OK, NULL, "setting [%s] %s = %s (from %s)", n->section, n->key,
			    v, origin);
		else
			say(d, LEVEL_OK, NULL,
			    "setting [%s] %s: %s (built in; %s or clan.conf sets it)", n->section,
			    n->key, defaults[i], n->env);
	}
}

/* Where the storage went when the configured dir is on a network
 * filesystem. */
static void check_storage_choice(struct doctor *d, const struct storage_choice *c)
{
	if (!c->shared_fs || strcmp(c->dir, c->configured) == 0)
		return;
	_cleanup_free_ char *passed =
	    c->skipped ? xasprintf(" (passed over: %s)", c->skipped) : xstrdup("");
	say(d, LEVEL_OK, NULL,
	    "storage: %s (from %s) is on %s, a network filesystem: clan keeps images, "
	    "containers and volumes in %s on this node%s",
	    c->configured, c->origin, c->shared_fs, c->dir, passed);
}

static void check_dirs(struct doctor *d)
{
	_cleanup_free_ char *runtime = paths_runtime_dir();
	struct storage_choice choice;
	paths_storage_choose(&choice);
	check_storage_choice(d, &choice);
	const char *storage = choice.dir;
	_cleanup_free_ char *run_fix =
	    xasprintf("mkdir -m 0700 -p /tmp/run-%u && export XDG_RUNTIME_DIR=/tmp/run-%u",
		      (unsigned)d->uid, (unsigned)d->uid);
	const struct dir_check checks[] = {
	    {"runtime dir", runtime, false, run_fix},
	    {"storage dir", storage, true, STORAGE_FIX},
	};
	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		check_dir(d, &checks[i]);
	paths_storage_choice_free(&choice);
}

const struct opt_cmd doctor_cmd = {
    .name = "doctor",
    .about = "check this machine: user namespaces and the sysctls that limit them,\n"
	     "/etc/subuid and /etc/subgid, newuidmap/newgidmap, /dev/fuse, /dev/net/tun,\n"
	     "kernel overlayfs in a user namespace, fuse-overlayfs, slirp4netns, and the\n"
	     "runtime and storage dirs. each line is ok, warn or fail; warn and fail say\n"
	     "the fix. exit status 0 when clan can work here, 1 when a check failed.\n",
};

int cmd_doctor(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	(void)ctx;
	int r = opts_parse(&doctor_cmd, argc, argv, NULL, NULL, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (opts_no_operands(&doctor_cmd, &ops, err) < 0)
		return -1;
	struct doctor d = {.uid = getuid()};
	struct passwd *pw = getpwuid(d.uid);
	d.user = pw && pw->pw_name ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)d.uid);

	check_userns(&d);
	check_subids(&d);
	check_map_helper(&d, "newuidmap");
	check_map_helper(&d, "newgidmap");
	d.fuse_device =
	    check_device(&d, "/dev/fuse", "fuse", "the fuse-overlayfs fallback cannot work");
	check_device(&d, "/dev/net/tun", "tun",
		     "containers get no network (the default, slirp4netns, needs it); "
		     "--network none|host still work");
	check_kernel_overlay(&d);
	d.fuse_overlayfs = check_helper(&d, "fuse-overlayfs", "fuse-overlayfs",
					"no fallback when kernel overlayfs does not work");
	check_helper(&d, "slirp4netns", "slirp4netns",
		     "containers get no network (it is the default); --network none|host "
		     "still work");
	check_overlay_choice(&d);
	check_dirs(&d);
	check_settings(&d);
	free(d.user);
	return d.fails ? CLAN_EXIT_FAIL : 0;
}
