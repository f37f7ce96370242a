/* Layer blobs downloaded in parallel (a curl multi handle, at most
 * MAX_PARALLEL at once) into the store's .partial-<hex> files, hashed as
 * they arrive, and each extracted (registry_extract.c) as soon as it is
 * verified while the others still download. A dropped connection is retried with backoff and
 * resumed with a Range request from what is already on disk (hashed first, so the digest covers the
 * whole blob); a second clan downloading the same blob holds the partial's flock and this one waits
 * for its result. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/file.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/progress.h"
#include "registry/registry_int.h"
#include "base/fdio.h"
#include "base/format.h"

#define MAX_PARALLEL 4
#define MAX_WORKERS 4
#define MAX_ATTEMPTS 5
#define BUSY_WAIT_MS 200
#define DRAW_EVERY_MS 100

/* PENDING -> ACTIVE (downloading) -> FETCHED (verified, in the store) ->
 * EXTRACTING -> DONE; SKIP: the layer was there already. */
enum xfer_state { X_PENDING, X_ACTIVE, X_FETCHED, X_EXTRACTING, X_DONE, X_SKIP };

struct xfer {
	const struct reg_blob *blob;
	char *partial, *url;
	int fd; /* the partial, flocked; -1 when closed */
	EVP_MD_CTX *md;
	int64_t have;  /* bytes in the file, all hashed into md */
	int64_t start; /* where the current request started */
	CURL *easy;
	struct curl_slist *hdrs;
	enum xfer_state state;
	int attempts;
	bool reauthed, restarted, busy;
	int64_t not_before;
	long status;
	bool status_seen, oversize, bad_range;
	int write_errno;
	char *www_auth;
	char errbody[256];
	size_t errlen;
};

struct fetch {
	struct reg_client *c;
	struct imgstore *st;
	const struct registry_opts *o;
	struct xfer *x;
	size_t n;
	CURLM *multi;
	int active;
	struct reg_worker workers[MAX_WORKERS];
	size_t worker_job[MAX_WORKERS];
	int nworkers, max_workers;
	const struct reg_pull_bounds *pb;
	uint64_t max_bytes, max_entries;   /* the pull's bounds (layer_bounds_pull) */
	uint64_t used_bytes, used_entries; /* what its finished layers came to */
	struct progress_bars bars;	   /* one per blob, on a terminal */
	int64_t last_draw;
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *state_word(const struct xfer *x)
{
	if (x->state == X_SKIP)
		return "exists";
	if (x->state == X_DONE)
		return "done";
	if (x->state == X_FETCHED)
		return "pulled";
	if (x->state == X_EXTRACTING)
		return "extract";
	if (x->busy)
		return "waiting";
	if (x->state == X_PENDING)
		return x->attempts ? "retrying" : "queued";
	return "pulling";
}

static void draw_line(struct fetch *f, const struct xfer *x)
{
	char have[16], size[16], bar[24];
	int64_t got = x->state >= X_FETCHED ? x->blob->size : x->have;
	progress_bar_fill(bar, 20, got, x->blob->size);
	format_size((uint64_t)(x->state == X_SKIP ? x->blob->size : got), have, sizeof have);
	format_size((uint64_t)x->blob->size, size, sizeof size);
	progress_bars_line(&f->bars, "%.12s  %-8s [%s] %9s / %s", x->blob->digest + 7,
			   state_word(x), bar, have, size);
}

/* One bar per blob, redrawn in place (at most every DRAW_EVERY_MS). */
static void draw(struct fetch *f, bool force)
{
	if (!f->bars.on)
		return;
	int64_t t = now_ms();
	if (!force && t - f->last_draw < DRAW_EVERY_MS)
		return;
	f->last_draw = t;
	progress_bars_begin(&f->bars);
	for (size_t i = 0; i < f->n; i++)
		draw_line(f, &f->x[i]);
	progress_bars_end(&f->bars);
}

/* A plain line when there are no bars: "pulling sha256:abc... done (1.2 MB)". */
static void say(const struct fetch *f, const struct xfer *x, const char *what)
{
	if (f->bars.on || f->o->quiet)
		return;
	char size[16];
	format_size((uint64_t)x->blob->size, size, sizeof size);
	printf("%s %.19s... %s (%s)\n",
	       x->state == X_DONE && x->blob->diff_id ? "extracting" : "pulling", x->blob->digest,
	       what, size);
	fflush(stdout);
}

/* The blob is in the store: on to extraction, or done. */
static void blob_stored(struct fetch *f, struct xfer *x)
{
	x->state = x->blob->diff_id ? X_FETCHED : X_DONE;
	x->busy = false;
	say(f, x, "done");
}

static void xfer_close(struct xfer *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	/* no md: libcrypto may not even be loaded (base/dl.h) */
	if (x->md)
		EVP_MD_CTX_free(x->md);
	x->md = NULL;
}

static int hash_existing(struct xfer *x, int64_t len, struct clan_err *err)
{
	char buf[1 << 16];
	for (int64_t off = 0; off < len;) {
		ssize_t r = pread(x->fd, buf, sizeof buf, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return clan_error(err, r < 0 ? errno : EIO, "cannot read %s", x->partial);
		EVP_DigestUpdate(x->md, buf, (size_t)r);
		off += r;
	}
	x->have = len;
	return 0;
}

static int restart_from_zero(struct xfer *x, struct clan_err *err)
{
	if (ftruncate(x->fd, 0) < 0)
		return clan_error(err, errno, "cannot truncate %s", x->partial);
	if (EVP_DigestInit_ex(x->md, EVP_sha256(), NULL) != 1)
		return clan_error(err, 0, "cannot start a sha256");
	x->have = 0;
	return 0;
}

/* Whether fd is still the file at path (not renamed into the store or
 * unlinked by the clan that held it before us). */
static bool is_current(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* Opens and flocks the partial: 0 locked (x->fd), 1 another clan holds it,
 * 2 the blob is in the store after all, -1 error. */
static int lock_partial(struct xfer *x, struct imgstore *st, struct clan_err *err)
{
	for (int tries = 0; tries < 100; tries++) {
		if (imgstore_has_blob(st, x->blob->digest))
			return 2;
		int fd = open(x->partial, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return clan_error(err, errno, "cannot open %s", x->partial);
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;
			close(fd);
			return e == EWOULDBLOCK ? 1
						: clan_error(err, e, "cannot lock %s", x->partial);
		}
		if (is_current(fd, x->partial)) {
			x->fd = fd;
			break;
		}
		close(fd); /* committed or dropped while we waited: look again */
	}
	if (x->fd < 0)
		return clan_error(err, 0, "cannot get hold of %s", x->partial);
	if (imgstore_has_blob(st, x->blob->digest)) {
		/* committed between our look and our open: ours is a fresh empty file */
		unlink(x->partial);
		xfer_close(x);
		return 2;
	}
	return 0;
}

/* Locks the partial and hashes what it holds: 0 ready, 1 another process
 * holds it (try later), 2 the store has the blob, -1 error. */
static int xfer_open(struct xfer *x, struct imgstore *st, struct clan_err *err)
{
	int r = lock_partial(x, st, err);
	if (r != 0)
		return r;
	if (dl_need(DL_CRYPTO, err) < 0)
		return -1;
	x->md = EVP_MD_CTX_new();
	if (!x->md || EVP_DigestInit_ex(x->md, EVP_sha256(), NULL) != 1)
		return clan_error(err, ENOMEM, "cannot start a sha256");
	struct stat sb;
	if (fstat(x->fd, &sb) < 0)
		return clan_error(err, errno, "cannot stat %s", x->partial);
	if (sb.st_size > x->blob->size)
		return restart_from_zero(x, err);
	return hash_existing(x, sb.st_size, err);
}

static size_t on_xfer_header(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * nmemb;
	if (len > 16 && strncasecmp(buf, "WWW-Authenticate:", 17) == 0) {
		free(x->www_auth);
		x->www_auth = xstrndup(buf + 17, strcspn(buf + 17, "\r\n"));
	} else if (len > 14 && strncasecmp(buf, "Content-Range:", 14) == 0) {
		long long from = -1;
		/* a 206 must continue exactly where the file ends */
		if (sscanf(buf + 14, " bytes %lld-", &from) != 1 || from != x->start)
			x->bad_range = true;
	}
	return len;
}

/* The first body bytes decide: 200 to a Range request restarts the file,
 * an error status keeps its body for the message. */
static void look_at_status(struct xfer *x)
{
	x->status_seen = true;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status == 200 && x->have > 0) {
		struct clan_err ignored;
		if (restart_from_zero(x, &ignored) < 0)
			x->write_errno = errno ? errno : EIO;
	}
}

static size_t on_xfer_body(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * nmemb;
	if (!x->status_seen)
		look_at_status(x);
	if (x->status != 200 && x->status != 206) {
		size_t room = sizeof x->errbody - 1 - x->errlen;
		size_t k = len < room ? len : room;
		memcpy(x->errbody + x->errlen, buf, k);
		x->errlen += k;
		x->errbody[x->errlen] = '\0';
		return len;
	}
	if (x->bad_range || x->write_errno)
		return 0;
	if (x->have + (int64_t)len > x->blob->size) {
		x->oversize = true;
		return 0;
	}
	/* at x->have, where the file ends: the fd's own offset is not kept in
	 * step with resumes and restarts */
	if (!pwrite_all(x->fd, buf, len, (off_t)x->have)) {
		x->write_errno = errno ? errno : EIO;
		return 0;
	}
	EVP_DigestUpdate(x->md, buf, len);
	x->have += (int64_t)len;
	return len;
}

static int xfer_start(struct fetch *f, struct xfer *x, struct clan_err *err)
{
	x->easy = curl_easy_init();
	if (!x->easy)
		return clan_error(err, 0, "cannot initialise libcurl");
	x->start = x->have;
	x->status = 0;
	x->status_seen = x->oversize = x->bad_range = false;
	x->write_errno = 0;
	x->errlen = 0;
	x->errbody[0] = '\0';
	reg_easy_setup(f->c, x->easy, x->url);
	x->hdrs = reg_headers(f->c, NULL);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs);
	char range[32];
	snprintf(range, sizeof range, "%" PRId64 "-", x->have);
	if (x->have > 0)
		curl_easy_setopt(x->easy, CURLOPT_RANGE, range);
	/* big reads: fewer wakeups and writes per layer than curl's 16 KiB */
	curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE, 512L * 1024);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_xfer_body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_xfer_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	if (curl_multi_add_handle(f->multi, x->easy) != CURLM_OK)
		return clan_error(err, 0, "cannot start the download of %s", x->blob->digest);
	x->state = X_ACTIVE;
	f->active++;
	return 0;
}

/* The blob is all there: check its digest and hand it to the store. */
static int xfer_finish(struct fetch *f, struct xfer *x, struct clan_err *err)
{
	unsigned char md[32];
	unsigned int len = 0;
	char got[72];
	EVP_DigestFinal_ex(x->md, md, &len);
	sha256_hex(md, got);
	if (strcmp(got, x->blob->digest) != 0) {
		if (x->start > 0 && !x->restarted) {
			/* the part kept from before may be what is wrong */
			x->restarted = true;
			x->state = X_PENDING;
			return restart_from_zero(x, err);
		}
		unlink(x->partial);
		return clan_error(err, 0,
				  "blob %s from %s failed verification: its content hashes to %s",
				  x->blob->digest, f->c->registry, got);
	}
	int rc = imgstore_blob_commit(f->st, x->partial, x->blob->digest, err);
	xfer_close(x);
	if (rc < 0)
		return -1;
	blob_stored(f, x);
	return 0;
}

static void xfer_detach(struct fetch *f, struct xfer *x)
{
	if (!x->easy)
		return;
	curl_multi_remove_handle(f->multi, x->easy);
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	x->easy = NULL;
	x->hdrs = NULL;
	f->active--;
}

static int retry_later(struct xfer *x, const char *what, const char *registry, struct clan_err *err)
{
	if (++x->attempts >= MAX_ATTEMPTS)
		return clan_error(err, 0, "cannot download blob %s from %s after %d attempts: %s",
				  x->blob->digest, registry, x->attempts, what);
	x->state = X_PENDING;
	x->not_before = now_ms() + reg_backoff_ms(x->attempts);
	return 0;
}

static int http_failure(struct fetch *f, struct xfer *x, struct clan_err *err)
{
	struct reg_response r = {.status = x->status, .body = x->errbody, .len = x->errlen};
	_cleanup_free_ char *why = reg_error_text(&r);
	if (x->status == 401 && !x->reauthed) {
		/* the token expired during a long pull: get a new one */
		x->reauthed = true;
		x->state = X_PENDING;
		return reg_authorize(f->c, x->www_auth, err);
	}
	if (x->status == 416 && !x->restarted) {
		x->restarted = true;
		x->state = X_PENDING;
		return restart_from_zero(x, err);
	}
	if (reg_status_retryable(x->status)) {
		char what[64];
		snprintf(what, sizeof what, "HTTP %ld", x->status);
		return retry_later(x, what, f->c->registry, err);
	}
	return clan_error(err, 0, "%s answered HTTP %ld for blob %s of %s%s%s", f->c->registry,
			  x->status, x->blob->digest, f->c->repo, *why ? ": " : "", why);
}

static int xfer_done(struct fetch *f, struct xfer *x, CURLcode cc, struct clan_err *err)
{
	if (!x->status_seen)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	xfer_detach(f, x);
	if (x->write_errno)
		return clan_error(err, x->write_errno, "cannot write %s", x->partial);
	if (x->oversize) {
		unlink(x->partial);
		return clan_error(err, 0,
				  "blob %s from %s is larger than the %" PRId64
				  " bytes its manifest says",
				  x->blob->digest, f->c->registry, x->blob->size);
	}
	if (x->bad_range) {
		if (x->restarted)
			return clan_error(err, 0, "%s answered blob %s from the wrong offset",
					  f->c->registry, x->blob->digest);
		x->restarted = true;
		x->state = X_PENDING;
		return restart_from_zero(x, err);
	}
	bool body_status = x->status == 0 || x->status == 200 || x->status == 206;
	if (cc != CURLE_OK && body_status)
		return reg_curl_retryable(cc)
			   ? retry_later(x, curl_easy_strerror(cc), f->c->registry, err)
			   : clan_error(err, 0, "cannot download blob %s from %s: %s",
					x->blob->digest, f->c->registry, curl_easy_strerror(cc));
	if (x->status != 200 && x->status != 206)
		return http_failure(f, x, err);
	if (x->have < x->blob->size)
		return retry_later(x, "the connection closed early", f->c->registry, err);
	return xfer_finish(f, x, err);
}

/* A pending blob whose backoff is over: opened, and finished right away
 * when the store or the partial already has all of it. */
static int xfer_begin(struct fetch *f, struct xfer *x, struct clan_err *err)
{
	if (x->fd < 0) {
		int r = xfer_open(x, f->st, err);
		if (r < 0) {
			xfer_close(x);
			return -1;
		}
		x->busy = r == 1;
		if (r == 2) {
			blob_stored(f, x); /* another clan finished it */
			return 0;
		}
		if (x->busy) {
			x->not_before = now_ms() + BUSY_WAIT_MS;
			return 0;
		}
	}
	if (x->have == x->blob->size) {
		x->start = x->have;
		return xfer_finish(f, x, err);
	}
	return xfer_start(f, x, err);
}

static int start_ready(struct fetch *f, struct clan_err *err)
{
	int64_t t = now_ms();
	for (size_t i = 0; i < f->n && f->active < MAX_PARALLEL; i++) {
		struct xfer *x = &f->x[i];
		if (x->state == X_PENDING && x->not_before <= t && xfer_begin(f, x, err) < 0)
			return -1;
	}
	return 0;
}

/* Whether anything is left to do; *next: when the first blob in backoff
 * is due. */
static bool any_left(const struct fetch *f, int64_t *next)
{
	bool any = false;
	*next = INT64_MAX;
	for (size_t i = 0; i < f->n; i++) {
		const struct xfer *x = &f->x[i];
		any = any || (x->state != X_DONE && x->state != X_SKIP);
		if (x->state == X_PENDING && x->not_before < *next)
			*next = x->not_before;
	}
	return any;
}

static int drain_messages(struct fetch *f, struct clan_err *err)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(f->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct xfer *x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		if (xfer_done(f, x, m->data.result, err) < 0)
			return -1;
	}
	return 0;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* A layer's bounds: its own, and no more than what the pull has left.
 * Layers extracted side by side may each take that rest, so a pull can
 * pass its bound by a few layers' worth before reap_extractions sees it;
 * an image within the bound never fails, whatever the order. */
static void bounds_of(const struct fetch *f, const struct xfer *x, struct layer_bounds *b)
{
	*b = (struct layer_bounds){.image = f->pb->image, .blob = x->blob->digest};
	layer_bounds_for(x->blob->size, f->pb->floor_mib, b);
	b->max_bytes = min_u64(b->max_bytes, f->max_bytes - min_u64(f->used_bytes, f->max_bytes));
	b->max_entries =
	    min_u64(b->max_entries, f->max_entries - min_u64(f->used_entries, f->max_entries));
}

static int start_extractions(struct fetch *f, struct clan_err *err)
{
	for (size_t i = 0; i < f->n && f->nworkers < f->max_workers; i++) {
		struct xfer *x = &f->x[i];
		if (x->state != X_FETCHED)
			continue;
		int k = f->nworkers;
		struct layer_bounds b;
		bounds_of(f, x, &b);
		if (reg_worker_start(f->st, x->blob->digest, x->blob->diff_id, f->o->userns, &b,
				     &f->workers[k], err) < 0)
			return -1;
		f->worker_job[k] = i;
		f->nworkers++;
		x->state = X_EXTRACTING;
	}
	return 0;
}

/* Collects the extractions that ended (their pipe is readable). */
static int reap_extractions(struct fetch *f, struct clan_err *err)
{
	for (int k = 0; k < f->nworkers;) {
		struct pollfd p = {.fd = f->workers[k].fd, .events = POLLIN};
		if (poll(&p, 1, 0) <= 0) {
			k++;
			continue;
		}
		struct xfer *x = &f->x[f->worker_job[k]];
		struct reg_layer_usage used = {0};
		int rc = reg_worker_reap(&f->workers[k], &used, err);
		f->nworkers--;
		f->workers[k] = f->workers[f->nworkers];
		f->worker_job[k] = f->worker_job[f->nworkers];
		if (rc < 0)
			return layer_bounds_is_error(err)
				   ? -1
				   : clan_error_wrap(err, "layer %s", x->blob->digest);
		f->used_bytes += used.bytes;
		f->used_entries += used.entries;
		bool by_entries = f->used_entries > f->max_entries;
		if (f->used_bytes > f->max_bytes || by_entries)
			return layer_bounds_pull_error(f->pb->image,
						       by_entries ? f->max_entries : f->max_bytes,
						       by_entries, f->pb->floor_mib, err);
		x->state = X_DONE;
		say(f, x, "done");
	}
	return 0;
}

/* Sleeps until a download has data, an extraction ends, or 100 ms (less
 * when a blob's backoff ends sooner). */
static void wait_for_work(struct fetch *f, int64_t next)
{
	struct curl_waitfd fds[MAX_WORKERS];
	for (int k = 0; k < f->nworkers; k++)
		fds[k] = (struct curl_waitfd){.fd = f->workers[k].fd, .events = CURL_WAIT_POLLIN};
	int64_t wait = 100;
	if (f->active == 0 && next != INT64_MAX)
		wait = next - now_ms();
	if (wait > 100)
		wait = 100;
	if (wait > 0)
		curl_multi_poll(f->multi, fds, (unsigned)f->nworkers, (int)wait, NULL);
}

static int run_loop(struct fetch *f, struct clan_err *err)
{
	for (;;) {
		if (start_ready(f, err) < 0 || start_extractions(f, err) < 0)
			return -1;
		int64_t next;
		if (!any_left(f, &next))
			return 0;
		int running = 0;
		if (curl_multi_perform(f->multi, &running) != CURLM_OK)
			return clan_error(err, 0, "libcurl failed while downloading");
		if (drain_messages(f, err) < 0 || reap_extractions(f, err) < 0)
			return -1;
		draw(f, false);
		wait_for_work(f, next);
	}
}

static void fetch_free(struct fetch *f)
{
	for (int k = 0; k < f->nworkers; k++)
		reg_worker_stop(&f->workers[k]);
	for (size_t i = 0; i < f->n; i++) {
		xfer_detach(f, &f->x[i]);
		xfer_close(&f->x[i]);
		free(f->x[i].partial);
		free(f->x[i].url);
		free(f->x[i].www_auth);
	}
	free(f->x);
	if (f->multi)
		curl_multi_cleanup(f->multi);
}

static void fetch_prepare(struct fetch *f, const struct reg_blob *blobs)
{
	/* on stdout, as `docker pull` draws them */
	progress_bars_init(&f->bars, stdout, f->o->progress && !f->o->quiet);
	for (size_t i = 0; i < f->n; i++) {
		struct xfer *x = &f->x[i];
		x->blob = &blobs[i];
		x->fd = -1;
		x->partial = imgstore_blob_partial(f->st, blobs[i].digest);
		x->url = xasprintf("%s/v2/%s/blobs/%s", f->c->base, f->c->repo, blobs[i].digest);
		if (blobs[i].have_layer) {
			x->state = X_SKIP;
			say(f, x, "already present");
		} else if (imgstore_has_blob(f->st, blobs[i].digest)) {
			x->state = blobs[i].diff_id ? X_FETCHED : X_DONE;
		} else {
			x->state = X_PENDING;
		}
	}
}

int reg_fetch_layers(struct reg_client *c, struct imgstore *st, const struct reg_blob *blobs,
		     size_t n, const struct registry_opts *o, const struct reg_pull_bounds *pb,
		     struct clan_err *err)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct fetch f = {.c = c, .st = st, .o = o, .n = n, .pb = pb};
	layer_bounds_pull(pb->compressed, pb->floor_mib, &f.max_bytes, &f.max_entries);
	f.max_workers = cpus < 1 ? 1 : cpus > MAX_WORKERS ? MAX_WORKERS : (int)cpus;
	f.x = xcalloc(n, sizeof *f.x);
	f.multi = curl_multi_init();
	if (!f.multi) {
		fetch_free(&f);
		return clan_error(err, 0, "cannot initialise libcurl");
	}
	fetch_prepare(&f, blobs);
	draw(&f, true);
	int rc = run_loop(&f, err);
	draw(&f, true);
	fetch_free(&f);
	return rc;
}
