#define _GNU_SOURCE
#include "fs/bind_source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/safe_path.h"
#include "base/util.h"

/* The host's / as a root for safe_path_open_strict: a walk that refuses
 * every symlink. */
static int open_nofollow(const char *path, int *fd, struct clan_err *err)
{
	_cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return clan_error(err, errno, "cannot open /");
	return safe_path_open_strict(root, path, SP_NOCREATE, fd, err);
}

int bind_source_pin(struct bind_spec *b, const char *what, struct clan_err *err)
{
	char real[PATH_MAX];
	if (!realpath(b->src, real))
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: %s; create it first", what,
				       strerror(errno));
	/* the path may change between realpath and the open: the walk takes
	 * no symlink, so what it opens is what the canonical path names */
	_cleanup_close_ int fd = -1;
	if (open_nofollow(real, &fd, err) < 0)
		return clan_error_wrap(err, "%s changed while clan read it", what);
	struct stat st;
	if (fstat(fd, &st) < 0)
		return clan_error(err, errno, "%s: cannot read it", what);
	free(b->src);
	b->src = xstrdup(real);
	if (b->pin_fd >= 0)
		close(b->pin_fd);
	b->pin_fd = steal_fd(&fd);
	b->dev = st.st_dev;
	b->ino = st.st_ino;
	return 0;
}

static const char *kind_of(mode_t m)
{
	return S_ISREG(m)    ? "a regular file"
	       : S_ISDIR(m)  ? "a directory"
	       : S_ISFIFO(m) ? "a FIFO"
	       : S_ISSOCK(m) ? "a socket"
			     : "not a device node";
}

bool device_group_only(const struct stat *st, uid_t uid, int amode)
{
	unsigned need = (amode & R_OK ? 4u : 0) | (amode & W_OK ? 2u : 0);
	bool by_owner = uid == st->st_uid && ((st->st_mode >> 6) & need) == need;
	bool by_other = (st->st_mode & need) == need;
	return uid != 0 && !by_owner && !by_other;
}

int bind_source_pin_device(struct bind_spec *b, int amode, const char *what, struct clan_err *err)
{
	struct stat st;
	/* stat, not open: opening a device can act (a tape rewinds, a modem
	 * hangs up); a FIFO would block */
	if (stat(b->src, &st) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: %s", what, strerror(errno));
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s: %s is %s, not a character or block device", what,
				       b->src, kind_of(st.st_mode));
	if (bind_source_pin(b, what, err) < 0)
		return -1;
	if (fstat(b->pin_fd, &st) < 0)
		return clan_error(err, errno, "%s: cannot read it", what);
	if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s changed while clan read it", what);
	if (faccessat(AT_FDCWD, b->src, amode, AT_EACCESS) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s: cannot open %s for %s: %s (mode %04o, owner %u:%u; "
				       "a rootless container has only the access you have)",
				       what, b->src,
				       (amode & W_OK) && (amode & R_OK) ? "reading and writing"
				       : amode & W_OK			? "writing"
									: "reading",
				       strerror(errno), (unsigned)(st.st_mode & 07777),
				       (unsigned)st.st_uid, (unsigned)st.st_gid);
	b->device = true;
	b->group_only = device_group_only(&st, geteuid(), amode);
	return 0;
}

int bind_source_reopen(const char *src, dev_t dev, ino_t ino, int *fd, struct clan_err *err)
{
	_cleanup_close_ int f = -1;
	struct stat st;
	if (open_nofollow(src, &f, err) < 0)
		return clan_error_wrap(err,
				       "bind source %s (not mounted; a symlink there now is "
				       "refused)",
				       src);
	if (fstat(f, &st) < 0)
		return clan_error(err, errno, "bind source %s: cannot read it", src);
	if (st.st_dev != dev || st.st_ino != ino)
		return clan_error_code(err, CLAN_EXIT_FAIL,
				       "bind source %s is not what it was when the stack or "
				       "container came up (replaced, or a symlink now): not "
				       "mounting it; bring it down and up again to use what is "
				       "there now",
				       src);
	*fd = steal_fd(&f);
	return 0;
}
