#define _GNU_SOURCE
#include "build/build_fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/curl_defaults.h"
#include "base/progress.h"

/* A remote file bigger than this is refused: a build step, not a mirror. */
#define FETCH_MAX_BYTES (8LL << 30)

bool build_is_url(const char *word)
{
	return strncmp(word, "http://", 7) == 0 || strncmp(word, "https://", 8) == 0;
}

struct sink {
	int fd;
	long long bytes;
	int errno_val; /* a failed write */
};

static size_t on_body(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t len = size * nmemb;
	s->bytes += (long long)len;
	if (s->bytes > FETCH_MAX_BYTES)
		return 0;
	if (!write_all(s->fd, buf, len)) {
		s->errno_val = errno;
		return 0;
	}
	return len;
}

/* The URL's last path segment, decoded; NULL when it has none a file
 * could be called. */
static char *url_file_name(const char *url)
{
	CURLU *u = curl_url();
	char *path = NULL, *name = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) == CURLUE_OK) {
		const char *slash = strrchr(path, '/');
		const char *base = slash ? slash + 1 : path;
		if (*base && strcmp(base, ".") != 0 && strcmp(base, "..") != 0)
			name = xstrdup(base);
	}
	curl_free(path);
	curl_url_cleanup(u);
	return name;
}

/* GET url into fd; the error names the URL and the HTTP status. */
static int get(const char *url, int fd, struct clan_err *err)
{
	CURL *easy = curl_easy_init();
	if (!easy)
		return clan_error(err, ENOMEM, "cannot start a download");
	struct sink s = {.fd = fd};
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_defaults(easy, url);
	/* an https URL is not redirected to plain http */
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR,
			 strncmp(url, "https://", 8) == 0 ? "https" : "http,https");
	/* an error page is not downloaded */
	curl_easy_setopt(easy, CURLOPT_FAILONERROR, 1L);
	curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)FETCH_MAX_BYTES);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_err);
	CURLcode cc = curl_easy_perform(easy);
	long status = 0;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(easy);
	if (s.errno_val)
		return clan_error(err, s.errno_val, "cannot store the download of %s", url);
	if (s.bytes > FETCH_MAX_BYTES || cc == CURLE_FILESIZE_EXCEEDED)
		return clan_error(err, 0, "%s is larger than %lld GiB", url, FETCH_MAX_BYTES >> 30);
	if (status >= 300 || cc == CURLE_HTTP_RETURNED_ERROR)
		return clan_error(err, 0, "cannot download %s: the server answered %ld", url,
				  status);
	if (cc != CURLE_OK)
		return clan_error(err, 0, "cannot download %s: %s", url,
				  *curl_err ? curl_err : curl_easy_strerror(cc));
	return 0;
}

/* The blob of url: the one of checksum when the store has it, else
 * fetched, hashed and checked against checksum. */
static int fetch_blob(const struct imgstore *st, const char *storage, const char *url,
		      const char *checksum, char **blob, struct clan_err *err)
{
	if (checksum && imgstore_has_blob(st, checksum)) {
		*blob = imgstore_blob_path(st, checksum);
		return 0;
	}
	_cleanup_free_ char *tmp = xasprintf("%s/build/fetch-XXXXXX", storage);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return clan_error(err, errno, "cannot make a file under %s/build", storage);
	progress_note("downloading %s", url);
	char digest[72];
	int rc = get(url, fd, err);
	if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0)
		rc = clan_error(err, errno, "cannot read back %s", tmp);
	if (rc == 0)
		rc = sha256_fd(fd, tmp, digest, err);
	close(fd);
	if (rc == 0 && checksum && strcmp(digest, checksum) != 0)
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "%s has the checksum %s, not %s as --checksum says", url,
				     digest, checksum);
	if (rc == 0)
		rc = imgstore_blob_commit(st, tmp, digest, err);
	if (rc < 0) {
		unlink(tmp);
		return -1;
	}
	*blob = imgstore_blob_path(st, digest);
	return 0;
}

int build_url_context(const struct imgstore *st, const char *storage, const struct strv *urls,
		      const char *checksum, struct build_context *ctx, char **dir,
		      struct strv *names, struct clan_err *err)
{
	if (checksum && urls->n != 1)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "--checksum is for one URL; use an ADD for each");
	if (checksum && strncmp(checksum, "sha256:", 7) != 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "--checksum=%s: clan checks sha256:<hex> checksums",
				       checksum);
	if (checksum && !digest_is_valid(checksum))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "--checksum=%s is not sha256: and 64 lowercase hex digits",
				       checksum);
	if (dl_need(DL_CURL, err) < 0 || dl_need(DL_CRYPTO, err) < 0)
		return -1;
	*dir = xasprintf("%s/build/url-%d", storage, (int)getpid());
	struct clan_err ignored;
	remove_tree(*dir, &ignored);
	if (mkdir_p(*dir, 0700, err) < 0)
		return -1;
	for (size_t i = 0; i < urls->n; i++) {
		_cleanup_free_ char *name = url_file_name(urls->v[i]);
		if (!name)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s names no file (its path ends with a slash)",
					       urls->v[i]);
		if (strv_contains(names, name))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "two URLs name the file %s; use an ADD for each",
					       name);
		_cleanup_free_ char *blob = NULL;
		if (fetch_blob(st, storage, urls->v[i], checksum, &blob, err) < 0)
			return -1;
		_cleanup_free_ char *path = path_join(*dir, name);
		if (link(blob, path) < 0)
			return clan_error(err, errno, "cannot link %s into %s", blob, *dir);
		strv_push(names, name);
	}
	return build_context_load(*dir, NULL, ctx, err);
}
