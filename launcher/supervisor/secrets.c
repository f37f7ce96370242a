#define _GNU_SOURCE
#include "supervisor/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "base/paths.h"
#include "supervisor/stack_state.h"
#include "base/util.h"

#define SECRET_BYTES 24 /* 192 bits: 32 base64url characters */

static void base64url(const unsigned char *in, size_t n, char *out)
{
	static const char abc[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t o = 0;
	for (size_t i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		for (int k = 3; k >= 0; k--)
			out[o++] = abc[(v >> (6 * k)) & 63];
	}
	out[o] = '\0';
}

/* The file is linked into place complete, so a concurrent clan reads
 * either nothing or the whole value, and the first writer wins. */
static int make_secret(const char *path, struct clan_err *err)
{
	unsigned char raw[SECRET_BYTES];
	char text[SECRET_BYTES / 3 * 4 + 2];
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return clan_error(err, errno, "cannot make a secret: no random bytes");
	base64url(raw, sizeof raw, text);
	strcat(text, "\n");
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	/* a clan of the same pid killed here before left it */
	if (unlink(tmp) < 0 && errno != ENOENT)
		return clan_error(err, errno, "cannot remove %s", tmp);
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return clan_error(err, errno, "cannot create %s", tmp);
	int rc = 0;
	if (!write_all(fd, text, strlen(text)) || fsync(fd) < 0)
		rc = clan_error(err, errno, "cannot write %s", tmp);
	else if (link(tmp, path) < 0 && errno != EEXIST)
		rc = clan_error(err, errno, "cannot create %s", path);
	unlink(tmp);
	return rc;
}

int secret_get(const char *storage, const char *project_dir, const char *name, char **value,
	       struct clan_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/secrets", storage);
	if (paths_ensure_private_dir(dir, err) < 0)
		return -1;
	_cleanup_free_ char *path =
	    xasprintf("%s/%08" PRIx32 "-%s", dir, stack_dir_hash(project_dir), name);
	char *text = NULL;
	if (read_file(path, 4096, &text, err) < 0) {
		if (err->sys_errno != ENOENT || make_secret(path, err) < 0 ||
		    read_file(path, 4096, &text, err) < 0)
			return clan_error_wrap(err, "secret %s of %s", name, project_dir);
	}
	text[strcspn(text, "\n")] = '\0';
	if (!*text) {
		free(text);
		return clan_error_code(err, CLAN_EXIT_FAIL,
				       "secret %s of %s: %s is empty; remove it to make a new one",
				       name, project_dir, path);
	}
	*value = text;
	return 0;
}

int secret_for_stack(void *storage, const char *project_dir, const char *name, char **value,
		     struct clan_err *err)
{
	return secret_get(storage, project_dir, name, value, err);
}
