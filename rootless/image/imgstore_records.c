/* Image records, tags and locks of the image store. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/imgstore.h"

json_t *imgstore_strv_json(const struct strv *s)
{
	json_t *a = json_array();
	for (size_t i = 0; i < s->n; i++)
		json_array_append_new(a, json_string(s->v[i]));
	return a;
}

static void strv_from_json(json_t *a, struct strv *s)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *v = json_string_value(json_array_get(a, i));
		if (v)
			strv_push(s, v);
	}
}

static json_t *nullable(const char *s)
{
	return s ? json_string(s) : json_null();
}

static char *dup_or_null(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? xstrdup(v) : NULL;
}

/* The record keeps the check in the image config's own form (Go's
 * nanoseconds), so one parser reads both. */
json_t *image_health_json(const struct image_health *h)
{
	return json_pack("{s:o,s:I,s:I,s:I,s:I,s:i}", "Test", imgstore_strv_json(&h->test),
			 "Interval", (json_int_t)h->interval_ns, "Timeout",
			 (json_int_t)h->timeout_ns, "StartPeriod", (json_int_t)h->start_period_ns,
			 "StartInterval", (json_int_t)h->start_interval_ns, "Retries", h->retries);
}

/* Negative or absurd numbers count as unset. */
static int64_t positive(json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));
	return v > 0 ? (int64_t)v : 0;
}

void image_health_parse(json_t *o, struct image_health *h)
{
	*h = (struct image_health){0};
	if (!json_is_object(o))
		return;
	strv_from_json(json_object_get(o, "Test"), &h->test);
	h->interval_ns = positive(o, "Interval");
	h->timeout_ns = positive(o, "Timeout");
	h->start_period_ns = positive(o, "StartPeriod");
	h->start_interval_ns = positive(o, "StartInterval");
	int64_t r = positive(o, "Retries");
	h->retries = r < 1000000 ? (int)r : 0;
}

void image_health_copy(const struct image_health *from, struct image_health *to)
{
	*to = *from;
	to->test = (struct strv){0};
	strv_extend(&to->test, &from->test);
}

static char *record_dir(const struct imgstore *st, const char *id)
{
	return xasprintf("%s/images/%s", st->root, id + 7);
}

int imgstore_save_image(const struct imgstore *st, const struct image_record *r,
			struct clan_err *err)
{
	if (!digest_is_valid(r->id))
		return clan_error(err, 0, "bad image id '%s'", r->id);
	json_t *o = json_pack(
	    "{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:s,s:o}", "id", r->id, "manifest",
	    nullable(r->manifest), "layers", imgstore_strv_json(&r->layers), "env",
	    imgstore_strv_json(&r->env), "entrypoint", imgstore_strv_json(&r->entrypoint), "cmd",
	    imgstore_strv_json(&r->cmd), "workdir", nullable(r->workdir), "user", nullable(r->user),
	    "created", (json_int_t)r->created, "size", (json_int_t)r->size, "source",
	    r->source ? r->source : "registry", "packages", imgstore_strv_json(&r->packages));
	if (!o)
		return clan_error(err, 0, "cannot encode the record of image %s", r->id);
	/* written only when there is something, so older records and newer
	 * ones without a build read the same */
	const struct {
		const char *key;
		const struct strv *v;
	} lists[] = {{"labels", &r->labels},
		     {"exposed", &r->exposed},
		     {"volumes", &r->volumes},
		     {"shell", &r->shell}};
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		if (lists[i].v->n)
			json_object_set_new(o, lists[i].key, imgstore_strv_json(lists[i].v));
	if (r->stop_signal)
		json_object_set_new(o, "stop_signal", json_string(r->stop_signal));
	if (r->health.test.n)
		json_object_set_new(o, "healthcheck", image_health_json(&r->health));
	_cleanup_free_ char *dir = record_dir(st, r->id);
	_cleanup_free_ char *tmp = xasprintf("%s/image.json.tmp-%d", dir, (int)getpid());
	_cleanup_free_ char *path = xasprintf("%s/image.json", dir);
	int rc =
	    mkdir(dir, 0700) < 0 && errno != EEXIST ? -1 : json_dump_file(o, tmp, JSON_INDENT(2));
	json_decref(o);
	if (rc < 0)
		return clan_error(err, errno, "cannot write %s", tmp);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return clan_error(err, errno, "cannot write %s", path);
	}
	return 0;
}

static int load_record_file(const char *path, struct image_record *r, struct clan_err *err)
{
	json_error_t je;
	struct stat sb;
	/* a read-only store is maybe another user's: a FIFO would hang the
	 * read, a huge file fill the memory (a record is a few KiB) */
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return clan_error(err, errno, "cannot read %s", path);
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > (1 << 20))
		return clan_error(err, 0, "%s: not an image record (a file of at most 1 MiB)",
				  path);
	json_t *o = json_loadfd(fd, 0, &je);
	if (!o)
		return clan_error(err, 0, "cannot read %s: %s", path, je.text);
	*r = (struct image_record){0};
	snprintf(r->id, sizeof r->id, "%s", json_string_value(json_object_get(o, "id")) ?: "");
	r->manifest = dup_or_null(o, "manifest");
	strv_from_json(json_object_get(o, "layers"), &r->layers);
	strv_from_json(json_object_get(o, "env"), &r->env);
	strv_from_json(json_object_get(o, "entrypoint"), &r->entrypoint);
	strv_from_json(json_object_get(o, "cmd"), &r->cmd);
	r->workdir = dup_or_null(o, "workdir");
	r->user = dup_or_null(o, "user");
	r->created = json_integer_value(json_object_get(o, "created"));
	r->size = (uint64_t)json_integer_value(json_object_get(o, "size"));
	r->source = dup_or_null(o, "source");
	strv_from_json(json_object_get(o, "packages"), &r->packages);
	strv_from_json(json_object_get(o, "labels"), &r->labels);
	strv_from_json(json_object_get(o, "exposed"), &r->exposed);
	strv_from_json(json_object_get(o, "volumes"), &r->volumes);
	strv_from_json(json_object_get(o, "shell"), &r->shell);
	r->stop_signal = dup_or_null(o, "stop_signal");
	image_health_parse(json_object_get(o, "healthcheck"), &r->health);
	json_decref(o);
	if (!digest_is_valid(r->id)) {
		image_record_free(r);
		return clan_error(err, 0, "%s: bad image id", path);
	}
	return 0;
}

/* The full hex id of the only record whose id starts with prefix. */
static int expand_prefix(const struct imgstore *st, const char *prefix, char hex[65],
			 struct clan_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/images", st->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	size_t n = strlen(prefix), matches = 0;
	if (!d)
		return clan_error(err, errno, "cannot list %s", dir);
	for (struct dirent *e; (e = readdir(d));) {
		if (strlen(e->d_name) == 64 && strncmp(e->d_name, prefix, n) == 0) {
			memcpy(hex, e->d_name, 64);
			hex[64] = '\0';
			matches++;
		}
	}
	if (matches == 1)
		return 0;
	if (matches == 0)
		return clan_error_code(err, CLAN_EXIT_FAIL, "no such image: %s", prefix);
	return clan_error_code(err, CLAN_EXIT_USAGE, "image id %s is ambiguous: give more of it",
			       prefix);
}

int imgstore_load_image(const struct imgstore *st, const char *id, struct image_record *r,
			struct clan_err *err)
{
	const char *hex = strncmp(id, "sha256:", 7) == 0 ? id + 7 : id;
	char full[65];
	size_t n = strlen(hex);
	if (n == 0 || n > 64 || strspn(hex, "0123456789abcdef") != n)
		return clan_error_code(err, CLAN_EXIT_FAIL, "no such image: %s", id);
	if (n < 64 && expand_prefix(st, hex, full, err) < 0)
		return -1;
	_cleanup_free_ char *path =
	    xasprintf("%s/images/%s/image.json", st->root, n < 64 ? full : hex);
	if (access(path, F_OK) < 0)
		return clan_error_code(err, CLAN_EXIT_FAIL, "no such image: %s", id);
	return load_record_file(path, r, err);
}

void image_record_free(struct image_record *r)
{
	free(r->manifest);
	strv_free(&r->layers);
	strv_free(&r->env);
	strv_free(&r->entrypoint);
	strv_free(&r->cmd);
	free(r->workdir);
	free(r->user);
	free(r->source);
	strv_free(&r->packages);
	strv_free(&r->labels);
	strv_free(&r->exposed);
	strv_free(&r->volumes);
	strv_free(&r->shell);
	free(r->stop_signal);
	strv_free(&r->health.test);
	*r = (struct image_record){0};
}

/* A ref as a file name: '/' would make directories, so it becomes "%2F";
 * '%' itself is escaped first. */
static char *tag_path(const struct imgstore *st, const char *ref)
{
	size_t n = strlen(ref);
	char *esc = xmalloc(3 * n + 1), *o = esc;
	for (const char *p = ref; *p; p++) {
		if (*p == '/' || *p == '%')
			o += sprintf(o, "%%%02X", (unsigned char)*p);
		else
			*o++ = *p;
	}
	*o = '\0';
	char *path = xasprintf("%s/tags/%s", st->root, esc);
	free(esc);
	return path;
}

int imgstore_tag(const struct imgstore *st, const char *ref, const char *id, struct clan_err *err)
{
	_cleanup_free_ char *path = tag_path(st, ref);
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	unlink(tmp);
	if (symlink(id, tmp) < 0)
		return clan_error(err, errno, "cannot tag %s", ref);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return clan_error(err, errno, "cannot tag %s", ref);
	}
	return 0;
}

int imgstore_untag(const struct imgstore *st, const char *ref, struct clan_err *err)
{
	_cleanup_free_ char *path = tag_path(st, ref);
	if (unlink(path) < 0 && errno != ENOENT)
		return clan_error(err, errno, "cannot untag %s", ref);
	return 0;
}

bool imgstore_lookup_tag(const struct imgstore *st, const char *ref, char id[72])
{
	_cleanup_free_ char *path = tag_path(st, ref);
	ssize_t n = readlink(path, id, 71);
	if (n <= 0)
		return false;
	id[n] = '\0';
	return digest_is_valid(id);
}

static char *tag_unescape(const char *name)
{
	char *out = xmalloc(strlen(name) + 1), *o = out;
	for (const char *p = name; *p; p++) {
		unsigned v;
		if (*p == '%' && sscanf(p + 1, "%2X", &v) == 1) {
			*o++ = (char)v;
			p += 2;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

int imgstore_list_tags(const struct imgstore *st,
		       int (*fn)(const char *ref, const char *id, void *), void *arg,
		       struct clan_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/tags", st->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : clan_error(err, errno, "cannot list %s", dir);
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		char id[72];
		if (e->d_name[0] == '.' || strstr(e->d_name, ".tmp-"))
			continue;
		_cleanup_free_ char *ref = tag_unescape(e->d_name);
		if (imgstore_lookup_tag(st, ref, id))
			rc = fn(ref, id, arg);
	}
	return rc;
}

int imgstore_list_images(const struct imgstore *st, int (*fn)(const struct image_record *, void *),
			 void *arg, struct clan_err *err)
{
	_cleanup_free_ char *dir = xasprintf("%s/images", st->root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : clan_error(err, errno, "cannot list %s", dir);
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));) {
		if (strlen(e->d_name) != 64)
			continue;
		_cleanup_free_ char *path = xasprintf("%s/%s/image.json", dir, e->d_name);
		struct image_record r;
		struct clan_err ignored;
		if (load_record_file(path, &r, &ignored) < 0)
			continue; /* being written or removed right now */
		rc = fn(&r, arg);
		image_record_free(&r);
	}
	return rc;
}

int imgstore_lock(const struct imgstore *st, const char *name, int *fd, struct clan_err *err)
{
	_cleanup_free_ char *path = xasprintf("%s/locks/%s", st->root, name);
	if (strchr(name, '/'))
		return clan_error(err, EINVAL, "bad lock name %s", name);
	int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return clan_error(err, errno, "cannot open lock %s", path);
	while (flock(f, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int e = errno;
			close(f);
			return clan_error(err, e, "cannot lock %s", path);
		}
	}
	*fd = f;
	return 0;
}
