#define _GNU_SOURCE
#include "image/imgstore.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/dl_crypto.h"
#include "image/imgstore_gc.h"
#include "base/paths.h"

static const char *const store_dirs[] = {"blobs",  "blobs/sha256", "layers",
					 "images", "tags",	   "locks"};

int imgstore_open(struct imgstore *st, const char *storage, struct clan_err *err)
{
	st->root = xstrdup(storage);
	st->gc_fd = -1;
	if (paths_storage_ensure(storage, err) < 0)
		return -1;
	/* A read-only store can still be listed and used: a dir it lacks is
	 * read as empty, and nothing can pull or collect garbage meanwhile, so
	 * a read-only fd of the lock (or none, when it was never made) does. */
	bool read_only = false;
	for (size_t i = 0; i < ARRAY_SIZE(store_dirs); i++) {
		_cleanup_free_ char *d = xasprintf("%s/%s", storage, store_dirs[i]);
		if (mkdir(d, 0700) == 0 || errno == EEXIST)
			continue;
		if (errno == EROFS || (read_only && errno == ENOENT)) {
			read_only = true;
			continue;
		}
		return clan_error(err, errno, "cannot create %s", d);
	}
	/* a pull commits layers before its record: gc must not run meanwhile */
	_cleanup_free_ char *lock = xasprintf("%s/locks/gc", storage);
	st->gc_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->gc_fd < 0 && (errno == EROFS || (read_only && errno == ENOENT))) {
		st->gc_fd = open(lock, O_RDONLY | O_CLOEXEC);
		if (st->gc_fd < 0 && errno == ENOENT)
			return 0;
	}
	if (st->gc_fd < 0)
		return clan_error(err, errno, "cannot open %s", lock);
	while (flock(st->gc_fd, LOCK_SH) < 0)
		if (errno != EINTR)
			return clan_error(err, errno, "cannot lock %s", lock);
	return 0;
}

void imgstore_close(struct imgstore *st)
{
	free(st->root);
	st->root = NULL;
	if (st->gc_fd > 0)
		close(st->gc_fd);
	st->gc_fd = -1;
}

bool digest_is_valid(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
		return false;
	return strspn(d + 7, "0123456789abcdef") == 64;
}

/* The hex part of a digest; callers check digest_is_valid first. */
static const char *hex_of(const char *digest)
{
	return digest + 7;
}

char *imgstore_blob_path(const struct imgstore *st, const char *digest)
{
	return xasprintf("%s/blobs/sha256/%s", st->root, hex_of(digest));
}

bool imgstore_has_blob(const struct imgstore *st, const char *digest)
{
	_cleanup_free_ char *p = imgstore_blob_path(st, digest);
	return access(p, F_OK) == 0;
}

char *imgstore_blob_partial(const struct imgstore *st, const char *digest)
{
	return xasprintf("%s/blobs/sha256/.partial-%s", st->root, hex_of(digest));
}

void sha256_hex(const unsigned char md[32], char out[72])
{
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < 32; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
}

int sha256_digest(const void *data, size_t len, char out[72], struct clan_err *err)
{
	unsigned char md[32];
	unsigned int n = 0;
	if (dl_need(DL_CRYPTO, err) < 0)
		return -1;
	EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
	sha256_hex(md, out);
	return 0;
}

int sha256_file(const char *path, char out[72], struct clan_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return clan_error(err, errno, "cannot open %s", path);
	return sha256_fd(fd, path, out, err);
}

int sha256_fd(int fd, const char *path, char out[72], struct clan_err *err)
{
	if (dl_need(DL_CRYPTO, err) < 0)
		return -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return clan_error(err, ENOMEM, "cannot start a sha256");
	}
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	int saved = errno;
	unsigned char md[32];
	unsigned int len = 0;
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (n < 0)
		return clan_error(err, saved, "cannot read %s", path);
	sha256_hex(md, out);
	return 0;
}

int imgstore_blob_commit(const struct imgstore *st, const char *partial, const char *digest,
			 struct clan_err *err)
{
	char got[72];
	if (!digest_is_valid(digest))
		return clan_error(err, 0, "bad digest '%s'", digest);
	if (sha256_file(partial, got, err) < 0)
		return -1;
	if (strcmp(got, digest) != 0) {
		unlink(partial);
		return clan_error(err, 0, "blob %s failed verification: its content hashes to %s",
				  digest, got);
	}
	_cleanup_free_ char *final = imgstore_blob_path(st, digest);
	if (rename(partial, final) < 0)
		return clan_error(err, errno, "cannot store blob %s", digest);
	return 0;
}

int imgstore_blob_put(const struct imgstore *st, const char *digest, const void *data, size_t len,
		      struct clan_err *err)
{
	char got[72];
	if (!digest_is_valid(digest))
		return clan_error(err, 0, "bad digest '%s'", digest);
	if (sha256_digest(data, len, got, err) < 0)
		return -1;
	if (strcmp(got, digest) != 0)
		return clan_error(err, 0, "content %s failed verification: it hashes to %s", digest,
				  got);
	if (imgstore_has_blob(st, digest))
		return 0;
	_cleanup_free_ char *tmp =
	    xasprintf("%s/blobs/sha256/.put-%s-%d", st->root, hex_of(digest), (int)getpid());
	_cleanup_free_ char *final = imgstore_blob_path(st, digest);
	if (write_file(tmp, data, len, err) < 0)
		return -1;
	if (rename(tmp, final) < 0) {
		unlink(tmp);
		return clan_error(err, errno, "cannot store blob %s", digest);
	}
	return 0;
}

char *imgstore_layer_path(const struct imgstore *st, const char *id)
{
	return xasprintf("%s/layers/%s", st->root, hex_of(id));
}

bool imgstore_has_layer(const struct imgstore *st, const char *id)
{
	_cleanup_free_ char *p = imgstore_layer_path(st, id);
	return access(p, F_OK) == 0;
}

int imgstore_layer_tmpdir(const struct imgstore *st, char **tmp, struct clan_err *err)
{
	char *t = xasprintf("%s/layers/.tmp-XXXXXX", st->root);
	if (!mkdtemp(t)) {
		int e = errno;
		free(t);
		return clan_error(err, e, "cannot create a temp dir in %s/layers", st->root);
	}
	/* the layer's root dir: readable by every uid of the container */
	if (chmod(t, 0755) < 0) {
		int e = errno;
		rmdir(t);
		free(t);
		return clan_error(err, e, "cannot chmod a temp dir in %s/layers", st->root);
	}
	*tmp = t;
	return 0;
}

int imgstore_layer_commit(const struct imgstore *st, const char *tmp, const char *id,
			  struct clan_err *err)
{
	_cleanup_free_ char *final = imgstore_layer_path(st, id);
	if (rename(tmp, final) == 0)
		return 0;
	if (errno != EEXIST && errno != ENOTEMPTY)
		return clan_error(err, errno, "cannot store layer %s", id);
	/* another pull made the same layer first: theirs is as good */
	struct clan_err ignored;
	imgstore_remove_tree(tmp, &ignored);
	return 0;
}
