#define _GNU_SOURCE
#include "image/layer.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image/layer_stream.h"
#include "image/layer_write.h"
#include "base/sync.h"
#include "ns/userns_exec.h"
#include "base/util.h"

/* Reads the blob and writes its entries into tmp, then checks the diff
 * id: one pass over the blob, so a layer is read once. */
static int extract_into(const char *tmp, const char *blob_path, struct layer_stream *s,
			bool keep_owners, struct clan_err *err)
{
	_cleanup_close_ int root = open(tmp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (root < 0)
		return clan_error(err, errno, "cannot open %s", tmp);
	if (layer_stream_open(s, blob_path, err) < 0) {
		layer_stream_past(s, err);
		return -1;
	}
	struct layer_writer w;
	layer_writer_init(&w, root, s->id, keep_owners);
	struct archive_entry *e;
	int r;
	while ((r = layer_stream_next(s, &e, err)) > 0)
		if (layer_write_entry(&w, s->tar, e, err) < 0) {
			r = -1;
			break;
		}
	if (r == 0)
		r = layer_stream_verify(s, err);
	if (r == 0)
		r = layer_writer_finish(&w, err);
	layer_writer_free(&w);
	if (r < 0)
		layer_stream_past(s, err);
	return r;
}

/* The child: makes a user namespace, waits for its maps, extracts as its
 * root (so chown to the tar's ids works) and reports a failure over fd;
 * success is a plain exit. fork, not clone_ns: glibc's fork leaves malloc
 * usable in the child even when another thread held it, and the child
 * needs malloc (libarchive). */
static noreturn void child_extract(int fd, const char *tmp, const char *blob_path,
				   struct layer_stream *s)
{
	/* the parent's handlers are not for us (Ctrl-C should just end us,
	 * and the parent then reports it), nor its blocked signals */
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (signal(sigs[i], SIG_DFL) == SIG_ERR)
			child_die(fd, 1, errno, "cannot reset signal %d", sigs[i]);
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		child_die(fd, 1, errno, "cannot unblock signals");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_die(fd, 1, errno, "cannot set the parent-death signal");
	if (unshare(CLONE_NEWUSER) < 0)
		child_die(fd, 1, errno, "cannot create a user namespace to extract layer %.19s",
			  s->id);
	/* SYNC_GO the other way round: "my namespace exists, write its maps" */
	struct sync_msg m;
	if (sync_send(fd, SYNC_GO, 0, NULL, -1) < 0 || sync_recv(fd, &m) <= 0 || m.tag != SYNC_GO)
		_exit(1);
	struct clan_err err;
	if (extract_into(tmp, blob_path, s, true, &err) < 0)
		child_die(fd, 1, 0, "%s", err.msg);
	/* what the layer came to, for the parent's bounds */
	if (s->bounds) {
		char used[64];
		snprintf(used, sizeof used, "%llu %llu", (unsigned long long)s->bounds->bytes,
			 (unsigned long long)s->bounds->entries);
		if (sync_send(fd, SYNC_GO, 0, used, -1) < 0)
			_exit(1);
	}
	_exit(0);
}

/* The parent's half: writes the child's maps once it has unshared, then
 * waits for its verdict. */
static int run_child(pid_t pid, int fd, const char *id, const struct userns_plan *p,
		     struct layer_bounds *b, struct clan_err *err)
{
	struct sync_msg m;
	int r = sync_recv(fd, &m);
	if (r > 0 && m.tag == SYNC_ERROR)
		return clan_error(err, 0, "%s", m.text);
	if (r <= 0 || m.tag != SYNC_GO)
		return clan_error(err, r < 0 ? errno : 0,
				  "the process extracting layer %.19s stopped", id);
	if (userns_write_maps(pid, p, err) < 0)
		return -1;
	if (sync_send(fd, SYNC_GO, 0, NULL, -1) < 0)
		return clan_error(err, errno, "cannot signal the process extracting layer %.19s",
				  id);
	r = sync_recv(fd, &m);
	if (r > 0 && m.tag == SYNC_ERROR)
		return clan_error(err, 0, "%s", m.text);
	unsigned long long bytes, entries;
	if (b && r > 0 && m.tag == SYNC_GO && sscanf(m.text, "%llu %llu", &bytes, &entries) == 2) {
		b->bytes = bytes;
		b->entries = entries;
	}
	return 0;
}

/* Extraction as root of a user namespace with p's maps: files keep the
 * tar's owners, as the user's subordinate ids. */
static int extract_in_userns(const char *tmp, const char *blob_path, struct layer_stream *s,
			     const struct userns_plan *p, struct clan_err *err)
{
	int sv[2];
	if (sync_pair(sv, err) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return clan_error(err, errno, "cannot fork to extract layer %.19s", s->id);
	}
	if (pid == 0) {
		close(sv[0]);
		child_extract(sv[1], tmp, blob_path, s);
	}
	close(sv[1]);
	int rc = run_child(pid, sv[0], s->id, p, s->bounds, err);
	if (rc < 0)
		kill(pid, SIGKILL);
	close(sv[0]);
	int status;
	if (wait_child(pid, &status) < 0 && rc == 0)
		return clan_error(err, errno, "cannot wait for the process extracting layer %.19s",
				  s->id);
	if (rc == 0 && WIFSIGNALED(status))
		return clan_error(err, 0,
				  "the process extracting layer %.19s was killed (signal %d)",
				  s->id, WTERMSIG(status));
	if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		return clan_error(err, 0, "the process extracting layer %.19s failed", s->id);
	return rc;
}

static bool in_userns(const struct userns_plan *p)
{
	return p->mode == USERNS_SUBUID && !p->host_root;
}

/* Removes an unfinished layer; subordinate-owned files go as root of a
 * namespace with the same maps (as store_remove does). A failure is
 * added to err's message: the dir stays as layers/.tmp-*, never used. */
static void remove_tmp(const char *tmp, const struct userns_plan *p, struct clan_err *err)
{
	struct clan_err e;
	if (remove_tree(tmp, &e) == 0)
		return;
	if (in_userns(p) && userns_remove_tree(tmp, &p->uid, &p->gid, &e) == 0)
		return;
	if (err) {
		size_t n = strlen(err->msg);
		snprintf(err->msg + n, sizeof err->msg - n, " (and %s)", e.msg);
	}
}

static int commit(struct imgstore *st, const char *tmp, const char *id, const struct userns_plan *p,
		  struct clan_err *err)
{
	/* made by another pull meanwhile: theirs is as good, and ours may hold
	 * files the store's own cleanup cannot remove */
	if (imgstore_has_layer(st, id)) {
		remove_tmp(tmp, p, NULL);
		return 0;
	}
	return imgstore_layer_commit(st, tmp, id, err);
}

int layer_extract(struct imgstore *st, const char *blob_path, const char *id,
		  const struct userns_plan *userns, struct layer_bounds *bounds,
		  struct clan_err *err)
{
	if (!digest_is_valid(id))
		return clan_error(err, 0, "bad layer id '%s'", id);
	if (imgstore_has_layer(st, id))
		return 0;
	struct layer_stream s;
	if (layer_stream_init(&s, id, bounds, err) < 0)
		return -1;
	_cleanup_free_ char *tmp = NULL;
	int rc = imgstore_layer_tmpdir(st, &tmp, err);
	if (rc == 0)
		rc = in_userns(userns)
			 ? extract_in_userns(tmp, blob_path, &s, userns, err)
			 : extract_into(tmp, blob_path, &s, userns->mode == USERNS_SUBUID, err);
	layer_stream_close(&s);
	if (rc == 0)
		rc = commit(st, tmp, id, userns, err);
	if (rc < 0 && tmp)
		remove_tmp(tmp, userns, err);
	return rc;
}
