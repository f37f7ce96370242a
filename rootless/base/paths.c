#define _GNU_SOURCE
#include "base/paths.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/fsinfo.h"
#include "base/settings.h"
#include "base/strbuf.h"
#include "base/util.h"

const char *paths_home_dir(void)
{
	const char *home = getenv("HOME");
	if (home && *home == '/')
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

/* The dir asked for: CLAN_STORAGE, clan.conf's [storage] path, else
 * XDG's; *origin names which. */
static char *configured_storage(char **origin)
{
	char *s = settings_get(SETTING_STORAGE, origin);
	if (s && *s != '/') {
		/* relative (only the variable can be): against the cwd now, as
		 * the runtime changes its cwd */
		_cleanup_free_ char *rel = steal_pointer(&s);
		_cleanup_free_ char *cwd = getcwd(NULL, 0);
		s = cwd ? xasprintf("%s/%s", cwd, rel) : xstrdup(rel);
	}
	if (s)
		return s;
	free(*origin);
	*origin = xstrdup("the default");
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/clan", xdg);
	return xasprintf("%s/.local/share/clan", paths_home_dir());
}

/* What a node-local candidate dir is to us. */
enum local_state {
	LOCAL_OURS,	 /* exists: a dir of ours on a local filesystem */
	LOCAL_CREATABLE, /* can be made, in a parent no one else can swap it in */
	LOCAL_UNUSABLE,	 /* on a network filesystem too, or no way to make it */
	LOCAL_SQUATTED,	 /* someone else's (or not a dir) under our name */
};

/* Whether parent is safe to create a private dir in: ours and closed to
 * others, or root's and sticky (/var/tmp, /dev/shm), so no other user can
 * rename our dir away and put a link of theirs in its place. */
static bool safe_parent(const char *parent, char **why)
{
	struct stat st;
	if (stat(parent, &st) < 0 || !S_ISDIR(st.st_mode)) {
		*why = xasprintf("%s is not a directory", parent);
		return false;
	}
	bool owner_ok = st.st_uid == 0 || st.st_uid == getuid();
	bool closed = (st.st_mode & 022) == 0 || (st.st_mode & S_ISVTX);
	if (!owner_ok || !closed) {
		*why = xasprintf("%s may be changed by other users (not ours or root's, or "
				 "writable by others without the sticky bit)",
				 parent);
		return false;
	}
	if (access(parent, W_OK | X_OK) < 0) {
		*why = xasprintf("%s is not writable", parent);
		return false;
	}
	return true;
}

static enum local_state local_dir_state(const char *dir, char **why)
{
	*why = NULL;
	uint32_t type;
	char name[48];
	struct clan_err err;
	if (fsinfo_statfs_nearest(dir, &type, NULL, &err) < 0) {
		*why = xstrdup(err.msg);
		return LOCAL_UNUSABLE;
	}
	if (fsinfo_is_shared(type)) {
		*why = xasprintf("on %s too", fsinfo_name(type, name, sizeof name));
		return LOCAL_UNUSABLE;
	}
	struct stat st;
	_cleanup_free_ char *parent = path_dir(dir);
	if (lstat(dir, &st) == 0) {
		if (S_ISDIR(st.st_mode) && st.st_uid == getuid())
			return safe_parent(parent, why) ? LOCAL_OURS : LOCAL_UNUSABLE;
		*why =
		    S_ISDIR(st.st_mode)
			? xasprintf("exists and belongs to uid %u, not you: remove it (ask an "
				    "admin) or set CLAN_STORAGE",
				    (unsigned)st.st_uid)
			: xstrdup("exists and is not a directory: remove it or set CLAN_STORAGE");
		return LOCAL_SQUATTED;
	}
	return safe_parent(parent, why) ? LOCAL_CREATABLE : LOCAL_UNUSABLE;
}

/* The node-local dirs tried, in order, when the configured one is on a
 * network filesystem. */
static void local_candidates(struct strv *out)
{
	struct passwd *pw = getpwuid(getuid());
	_cleanup_free_ char *user =
	    pw && pw->pw_name ? xstrdup(pw->pw_name) : xasprintf("%u", (unsigned)getuid());
	const char *tmp = getenv("TMPDIR");
	if (tmp && *tmp == '/' && strcmp(tmp, "/") != 0)
		strv_push_owned(out, xasprintf("%s/clan-%s", tmp, user));
	strv_push_owned(out, xasprintf("/var/tmp/clan-%s", user));
	strv_push_owned(out, xasprintf("/dev/shm/clan-%s", user));
}

/* The node-local dir: one of ours that exists wins (so the same dir is
 * found again whatever TMPDIR says now), else the first that can be made.
 * A candidate someone else made under our name stops the search: the user
 * is told, rather than moved on to memory (/dev/shm) by a squatter. */
static char *choose_local(struct strbuf *skipped)
{
	struct strv cands = {0};
	local_candidates(&cands);
	char *chosen = NULL;
	for (size_t i = 0; i < cands.n && !chosen; i++) {
		_cleanup_free_ char *why = NULL;
		if (local_dir_state(cands.v[i], &why) == LOCAL_OURS)
			chosen = xstrdup(cands.v[i]);
	}
	for (size_t i = 0; i < cands.n && !chosen; i++) {
		_cleanup_free_ char *why = NULL;
		enum local_state state = local_dir_state(cands.v[i], &why);
		if (state == LOCAL_CREATABLE) {
			chosen = xstrdup(cands.v[i]);
			break;
		}
		strbuf_adds(skipped, skipped->len ? "; " : "");
		strbuf_adds(skipped, cands.v[i]);
		strbuf_adds(skipped, ": ");
		strbuf_adds(skipped, why);
		if (state == LOCAL_SQUATTED)
			break;
	}
	strv_free(&cands);
	return chosen;
}

void paths_storage_choose(struct storage_choice *c)
{
	*c = (struct storage_choice){0};
	c->configured = configured_storage(&c->origin);
	uint32_t type;
	char name[48];
	struct clan_err ignored;
	if (fsinfo_statfs_nearest(c->configured, &type, NULL, &ignored) < 0 ||
	    !fsinfo_is_shared(type)) {
		c->dir = xstrdup(c->configured);
		return;
	}
	c->shared_fs = xstrdup(fsinfo_name(type, name, sizeof name));
	struct strbuf skipped = {0};
	c->dir = choose_local(&skipped);
	c->skipped = skipped.len ? strbuf_steal(&skipped) : NULL;
	strbuf_free(&skipped);
	if (!c->dir)
		c->dir = xstrdup(c->configured);
}

void paths_storage_choice_free(struct storage_choice *c)
{
	free(c->dir);
	free(c->configured);
	free(c->origin);
	free(c->shared_fs);
	free(c->skipped);
	*c = (struct storage_choice){0};
}

char *paths_storage_dir(void)
{
	struct storage_choice c;
	paths_storage_choose(&c);
	char *dir = steal_pointer(&c.dir);
	paths_storage_choice_free(&c);
	return dir;
}

/* XDG_RUNTIME_DIR survives `su` and is unset on ssh/cron/Slurm; use it
 * only when it really is ours. */
static int is_our_private_dir(const char *dir)
{
	struct stat st;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == getuid() &&
	       (st.st_mode & 077) == 0;
}

/* Without a usable XDG_RUNTIME_DIR the runtime dir is made by mkdtemp
 * (an attacker cannot pre-create an unpredictable name) and found again
 * through this file in the storage dir. */
static char *runtime_pointer(void)
{
	_cleanup_free_ char *storage = paths_storage_dir();
	return xasprintf("%s/runtime-dir", storage);
}

static char *pointed_runtime_dir(void)
{
	_cleanup_free_ char *ptr = runtime_pointer();
	char *dir = NULL;
	struct clan_err ignored;
	if (read_file(ptr, 4096, &dir, &ignored) < 0)
		return NULL;
	dir[strcspn(dir, "\n")] = '\0';
	if (dir[0] != '/' || !is_our_private_dir(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

static const char *usable_xdg(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	return xdg && *xdg == '/' && is_our_private_dir(xdg) ? xdg : NULL;
}

char *paths_runtime_dir(void)
{
	const char *xdg = usable_xdg();
	if (xdg)
		return xasprintf("%s/clan", xdg);
	char *dir = pointed_runtime_dir();
	return dir ? dir : xasprintf("/tmp/clan-%u", (unsigned)getuid());
}

char *paths_slirp_socket(const char *runtime, const char *id)
{
	return xasprintf("%s/net/%.12s.sock", runtime, id);
}

int paths_runtime_dir_ensure(char **out, struct clan_err *err)
{
	*out = NULL;
	const char *xdg = usable_xdg();
	if (xdg) {
		char *dir = xasprintf("%s/clan", xdg);
		if (paths_ensure_private_dir(dir, err) < 0) {
			free(dir);
			return -1;
		}
		*out = dir;
		return 0;
	}
	*out = pointed_runtime_dir();
	if (*out)
		return 0;
	char tmpl[64];
	snprintf(tmpl, sizeof tmpl, "/tmp/clan-%u.XXXXXX", (unsigned)getuid());
	if (!mkdtemp(tmpl))
		return clan_error(err, errno, "cannot create a runtime dir in /tmp");
	_cleanup_free_ char *storage = paths_storage_dir();
	_cleanup_free_ char *ptr = runtime_pointer();
	_cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", ptr, (int)getpid());
	if (paths_storage_ensure(storage, err) < 0 ||
	    write_file(tmp, tmpl, strlen(tmpl), err) < 0) {
		rmdir(tmpl);
		return -1;
	}
	/* other clans may do the same at once (srun -n2 on a new storage
	 * dir): the first pointer wins and all use its dir; a stale one (its
	 * dir gone with a /tmp cleaned at boot) is replaced */
	int e = link(tmp, ptr) == 0 ? 0 : errno;
	if (e == EEXIST) {
		_cleanup_free_ char *theirs = pointed_runtime_dir();
		e = theirs || rename(tmp, ptr) == 0 ? 0 : errno;
	}
	(void)unlink(tmp);
	*out = e ? NULL : pointed_runtime_dir();
	if (!*out || strcmp(*out, tmpl) != 0)
		rmdir(tmpl);
	if (!*out)
		return clan_error(err, e ? e : ENOENT, "cannot write %s", ptr);
	return 0;
}

/* The one notice of a move: when the node-local dir is made, its first
 * use on this node. */
static void note_moved_storage(const char *made)
{
	struct storage_choice c;
	paths_storage_choose(&c);
	if (c.shared_fs && strcmp(c.dir, c.configured) != 0 && strcmp(c.dir, made) == 0)
		fprintf(stderr,
			"clan: note: %s (%s) is on %s, a network filesystem: images, containers "
			"and volumes go to %s on this node%s; CLAN_STORAGE (or clan.conf's "
			"[storage] path) on a local disk chooses another\n",
			c.configured, c.origin, c.shared_fs, c.dir,
			strncmp(c.dir, "/dev/shm/", 9) == 0 ? ", in memory" : "");
	paths_storage_choice_free(&c);
}

int paths_storage_ensure(const char *storage, struct clan_err *err)
{
	static const char fix[] = "set CLAN_STORAGE to a directory on a local disk, e.g. "
				  "export CLAN_STORAGE=/tmp/$USER/clan (or node-local scratch)";
	uint32_t type;
	char name[48];
	if (fsinfo_statfs_nearest(storage, &type, NULL, err) < 0)
		return -1;
	if (fsinfo_is_shared(type)) {
		struct storage_choice c;
		paths_storage_choose(&c);
		int rc =
		    clan_error_code(err, CLAN_EXIT_USAGE,
				    "the storage dir %s is on %s, a shared filesystem where "
				    "overlay layers and locks do not work, and no node-local dir "
				    "is usable (%s); %s",
				    storage, fsinfo_name(type, name, sizeof name),
				    c.skipped ? c.skipped : "none tried", fix);
		paths_storage_choice_free(&c);
		return rc;
	}
	/* made only now: nothing is written to a network filesystem */
	struct stat st;
	bool existed = lstat(storage, &st) == 0;
	if (paths_ensure_private_dir(storage, err) < 0)
		return -1;
	if (!existed)
		note_moved_storage(storage);
	/* the usual local filesystems have user xattrs: spare them the probe,
	 * a journal write on every command */
	static const uint32_t known_good[] = {0xEF53u /* ext4 */, 0x58465342u /* xfs */,
					      0x9123683Eu /* btrfs */};
	for (size_t i = 0; i < ARRAY_SIZE(known_good); i++)
		if (type == known_good[i])
			return 0;
	if (setxattr(storage, "user.clan.probe", "1", 1, 0) < 0) {
		if (errno == ENOTSUP)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "the storage dir %s is on %s, which has no user "
					       "xattrs (overlayfs needs them); %s",
					       storage, fsinfo_name(type, name, sizeof name), fix);
		return 0; /* not ours to judge */
	}
	(void)removexattr(storage, "user.clan.probe"); /* a leftover probe is harmless */
	return 0;
}

int paths_ensure_private_dir(const char *dir, struct clan_err *err)
{
	_cleanup_free_ char *parent = xstrdup(dir);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir_p(parent, 0700, err) < 0)
			return -1;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return clan_error(err, errno, "cannot create %s", dir);

	struct stat st;
	if (lstat(dir, &st) < 0)
		return clan_error(err, errno, "cannot check %s", dir);
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return clan_error(err, 0,
				  "%s is not a directory owned by you (uid %u); remove it or set "
				  "XDG_RUNTIME_DIR/CLAN_STORAGE to a private directory",
				  dir, (unsigned)getuid());
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) < 0)
		return clan_error(err, errno, "cannot make %s private (chmod 0700)", dir);
	return 0;
}
