/* Layer extraction beside the downloads: each layer_extract runs in a
 * child process as soon as its blob is verified, so decompressing and
 * writing one layer overlaps with downloading the next (layers are
 * independent directories until the overlay stacks them). The child
 * reports a failure as a struct clan_err over a pipe; the pipe's end is
 * also how the parent's poll learns that the child is done. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdnoreturn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/layer.h"
#include "registry/registry_int.h"

static noreturn void worker_main(int fd, struct imgstore *st, const char *blob_digest,
				 const char *diff_id, const struct userns_plan *u,
				 struct layer_bounds b)
{
	struct clan_err err = {.code = CLAN_EXIT_FAIL};
	_cleanup_free_ char *blob = imgstore_blob_path(st, blob_digest);
	if (layer_extract(st, blob, diff_id, u, &b, &err) == 0) {
		/* the extracted layer is what runs; keeping the compressed blob
		 * too would double the disk used (Docker and Podman drop it
		 * too); one that cannot be unlinked only costs space */
		(void)unlink(blob);
		struct reg_layer_usage used = {.bytes = b.bytes, .entries = b.entries};
		(void)!write_all(fd, &used, sizeof used);
		_exit(0);
	}
	/* a bomb's blob is no use to a later pull either */
	if (layer_bounds_is_error(&err))
		(void)unlink(blob);
	(void)!write_all(fd, &err, sizeof err);
	_exit(1);
}

int reg_worker_start(struct imgstore *st, const char *blob_digest, const char *diff_id,
		     const struct userns_plan *u, const struct layer_bounds *b,
		     struct reg_worker *w, struct clan_err *err)
{
	int fd;
	pid_t pid = fork_piped(&fd);
	if (pid < 0)
		return clan_error(err, errno, "cannot fork to extract layer %.19s", diff_id);
	if (pid == 0)
		worker_main(fd, st, blob_digest, diff_id, u, *b);
	*w = (struct reg_worker){.pid = pid, .fd = fd};
	return 0;
}

int reg_worker_reap(struct reg_worker *w, struct reg_layer_usage *used, struct clan_err *err)
{
	struct clan_err child = {0};
	ssize_t n;
	/* one write of either size, under PIPE_BUF: read whole */
	while ((n = read(w->fd, &child, sizeof child)) < 0 && errno == EINTR)
		;
	if (used && n == (ssize_t)sizeof *used)
		memcpy(used, &child, sizeof *used);
	close(w->fd);
	w->fd = -1;
	int status = 0;
	int r = wait_child(w->pid, &status);
	w->pid = 0;
	if (r < 0)
		return clan_error(err, errno, "cannot wait for an extraction");
	if (n == (ssize_t)sizeof child) {
		child.msg[sizeof child.msg - 1] = '\0';
		*err = child;
		return -1;
	}
	if (WIFSIGNALED(status))
		return clan_error(err, 0, "the extraction was killed by signal %d",
				  WTERMSIG(status));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return clan_error(err, 0, "the extraction failed (exit %d)", WEXITSTATUS(status));
	return 0;
}

void reg_worker_stop(struct reg_worker *w)
{
	if (w->pid <= 0)
		return;
	struct clan_err ignored;
	/* let it finish: a killed extraction would leave its temp dir behind */
	reg_worker_reap(w, NULL, &ignored);
}
