#define _GNU_SOURCE
#include "base/paths.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "base/fsinfo.h"
#include "base/util.h"

const char *paths_home_dir(void)
{
	const char *home = getenv("HOME");
	if (home && *home == '/')
		return home;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir ? pw->pw_dir : "/";
}

char *paths_storage_dir(void)
{
	const char *s = getenv("CLAN_STORAGE");
	if (s && *s == '/')
		return xstrdup(s);
	if (s && *s) {
		/* relative: against the cwd now, as the runtime changes its cwd */
		_cleanup_free_ char *cwd = getcwd(NULL, 0);
		return cwd ? xasprintf("%s/%s", cwd, s) : xstrdup(s);
	}
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/clan", xdg);
	return xasprintf("%s/.local/share/clan", paths_home_dir());
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
	_cleanup_free_ char *tmp = xasprintf("%s.tmp", ptr);
	if (paths_ensure_private_dir(storage, err) < 0 ||
	    write_file(tmp, tmpl, strlen(tmpl), err) < 0) {
		rmdir(tmpl);
		return -1;
	}
	if (rename(tmp, ptr) < 0) {
		int e = errno;
		rmdir(tmpl);
		return clan_error(err, e, "cannot write %s", ptr);
	}
	*out = xstrdup(tmpl);
	return 0;
}

int paths_check_storage_fs(const char *storage, struct clan_err *err)
{
	static const char fix[] = "set CLAN_STORAGE to a directory on a local disk, e.g. "
				  "export CLAN_STORAGE=/tmp/$USER/clan (or node-local scratch)";
	uint32_t type;
	char name[48];
	if (fsinfo_statfs_nearest(storage, &type, NULL, err) < 0)
		return -1;
	if (fsinfo_is_shared(type))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "the storage dir %s is on %s, a shared filesystem where "
				       "overlay layers and locks do not work; %s",
				       storage, fsinfo_name(type, name, sizeof name), fix);
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
		return 0; /* not ours to judge (e.g. not created yet) */
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
