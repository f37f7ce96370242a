#define _GNU_SOURCE
#include "container/store.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/paths.h"
#include "container/record_json.h"
#include "base/procfs.h"
#include "ns/userns_exec.h"

char *store_containers_dir(const char *storage)
{
	return xasprintf("%s/containers", storage);
}

static int random_id(char out[65], struct clan_err *err)
{
	unsigned char b[32];
	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b)
		return clan_error(err, errno, "cannot make a container id");
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

static bool is_valid_name(const char *n)
{
	if (!*n || strlen(n) > 128 || n[0] == '.' || n[0] == '-')
		return false;
	for (const char *p = n; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
			return false;
	return true;
}

int store_save(const struct container_rec *r, struct clan_err *err)
{
	json_t *o = record_to_json(r);
	if (!o)
		return clan_error(err, 0, "cannot encode the record of %s", r->id);
	_cleanup_free_ char *tmp = xasprintf("%s/container.json.tmp", r->dir);
	_cleanup_free_ char *path = xasprintf("%s/container.json", r->dir);
	int rc = json_dump_file(o, tmp, JSON_INDENT(2));
	json_decref(o);
	if (rc < 0)
		return clan_error(err, errno, "cannot write %s", tmp);
	if (rename(tmp, path) < 0)
		return clan_error(err, errno, "cannot write %s", path);
	return 0;
}

int store_load(const char *dir, struct container_rec *r, struct clan_err *err)
{
	_cleanup_free_ char *path = xasprintf("%s/container.json", dir);
	json_error_t je;
	json_t *o = json_load_file(path, 0, &je);
	if (!o)
		return clan_error(err, 0, "cannot read %s: %s", path, je.text);
	record_from_json(o, r);
	r->dir = xstrdup(dir);
	json_decref(o);
	return 0;
}

/* The holder of a name, when it is an --rm container whose clan was
 * killed (SIGKILL, or a Slurm job's end) before it removed it: that
 * removal is finished now, so the name can be used again. */
static bool free_orphaned_name(const char *storage, const char *cdir, const char *name)
{
	_cleanup_free_ char *link = xasprintf("%s/names/%s", cdir, name);
	char id[65];
	ssize_t n = readlink(link, id, sizeof id - 1);
	if (n != 64)
		return false;
	id[n] = '\0';
	_cleanup_free_ char *dir = xasprintf("%s/%s", cdir, id);
	struct container_rec holder;
	struct clan_err ignored;
	if (store_load(dir, &holder, &ignored) < 0)
		return false;
	bool freed = holder.rm && !store_is_running(&holder) &&
		     store_remove(storage, &holder, &ignored) == 0;
	container_rec_free(&holder);
	return freed;
}

static int claim_name(const char *storage, const char *cdir, const char *name, const char *id,
		      struct clan_err *err)
{
	_cleanup_free_ char *names = xasprintf("%s/names", cdir);
	_cleanup_free_ char *link = xasprintf("%s/%s", names, name);
	if (mkdir(names, 0700) < 0 && errno != EEXIST)
		return clan_error(err, errno, "cannot create %s", names);
	if (symlink(id, link) == 0)
		return 0;
	int e = errno;
	if (e == EEXIST && free_orphaned_name(storage, cdir, name)) {
		if (symlink(id, link) == 0)
			return 0;
		e = errno;
	}
	if (e == EEXIST)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "the name '%s' is taken by another container; remove it "
				       "(clan rm %s) or pick another --name",
				       name, name);
	return clan_error(err, e, "cannot claim the name %s", name);
}

int store_create(const char *storage, const struct container_spec *spec, const char *image_id,
		 const char *userns, const struct idmap *uidmap, const struct idmap *gidmap,
		 struct container_rec *r, struct clan_err *err)
{
	*r = (struct container_rec){0};
	if (spec->name && !is_valid_name(spec->name))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "bad --name '%s': use letters, digits, '_', '.' and '-'",
				       spec->name);
	_cleanup_free_ char *cdir = store_containers_dir(storage);
	if (paths_storage_ensure(storage, err) < 0 || mkdir_p(cdir, 0700, err) < 0 ||
	    random_id(r->id, err) < 0)
		return -1;
	r->name = spec->name ? xstrdup(spec->name) : xstrndup(r->id, 12);
	r->image = xstrdup(spec->image_ref);
	for (size_t i = 0; i < spec->cmd.n; i++)
		strv_push(&r->cmd, spec->cmd.v[i]);
	r->created = (int64_t)time(NULL);
	/* the clan process that creates a record runs it: no "created" step
	 * that would cost a second write of the record */
	snprintf(r->state, sizeof r->state, "running");
	r->pid = getpid();
	r->pid_start = proc_start_time(r->pid);
	r->rm = spec->rm;
	for (size_t i = 0; i < spec->cap_add.n; i++)
		strv_push(&r->cap_add, spec->cap_add.v[i]);
	for (size_t i = 0; i < spec->cap_drop.n; i++)
		strv_push(&r->cap_drop, spec->cap_drop.v[i]);
	for (size_t i = 0; i < spec->nulimits; i++) {
		char u[80];
		ulimit_format(&spec->ulimits[i], u, sizeof u);
		strv_push(&r->ulimits, u);
	}
	snprintf(r->image_id, sizeof r->image_id, "%s", image_id ? image_id : "");
	snprintf(r->userns, sizeof r->userns, "%s", userns);
	snprintf(r->network, sizeof r->network, "%s", net_mode_name(spec->net));
	r->project = spec->project ? xstrdup(spec->project) : NULL;
	r->service = spec->service ? xstrdup(spec->service) : NULL;
	r->uidmap = *uidmap;
	r->gidmap = *gidmap;
	r->dir = xasprintf("%s/%s", cdir, r->id);
	/* record first, name last: a name never points at nothing, and an
	 * interrupted create leaves a record that ps and rm can see */
	if (mkdir(r->dir, 0700) < 0) {
		clan_error(err, errno, "cannot create %s", r->dir);
		container_rec_free(r);
		return -1;
	}
	struct clan_err ignored;
	if (store_save(r, err) < 0 || claim_name(storage, cdir, r->name, r->id, err) < 0) {
		remove_tree(r->dir, &ignored);
		container_rec_free(r);
		return -1;
	}
	return 0;
}

static bool is_hex_prefix(const char *key)
{
	size_t n = strlen(key);
	return n >= 1 && n <= 64 && strspn(key, "0123456789abcdef") == n;
}

struct find_arg {
	const char *key;
	char match[65];
	int matches;
};

static int match_prefix(const struct container_rec *r, void *arg)
{
	struct find_arg *f = arg;
	if (strncmp(r->id, f->key, strlen(f->key)) == 0) {
		snprintf(f->match, sizeof f->match, "%s", r->id);
		f->matches++;
	}
	return 0;
}

int store_find(const char *storage, const char *key, struct container_rec *r, struct clan_err *err)
{
	_cleanup_free_ char *cdir = store_containers_dir(storage);
	_cleanup_free_ char *link = xasprintf("%s/names/%s", cdir, key);
	char id[65];
	ssize_t n = strchr(key, '/') ? -1 : readlink(link, id, sizeof id - 1);
	if (n > 0) {
		id[n] = '\0';
	} else {
		struct find_arg f = {.key = key};
		if (!is_hex_prefix(key) || store_list(storage, match_prefix, &f, err) < 0 ||
		    f.matches == 0)
			return clan_error_code(err, CLAN_EXIT_FAIL, "no such container: %s", key);
		if (f.matches > 1)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "'%s' matches %d containers; give more of the id",
					       key, f.matches);
		snprintf(id, sizeof id, "%s", f.match);
	}
	_cleanup_free_ char *dir = xasprintf("%s/%s", cdir, id);
	return store_load(dir, r, err);
}

static int by_created(const void *a, const void *b)
{
	const struct container_rec *x = a, *y = b;
	return x->created < y->created ? -1 : x->created > y->created;
}

int store_list(const char *storage, int (*fn)(const struct container_rec *, void *), void *arg,
	       struct clan_err *err)
{
	_cleanup_free_ char *cdir = store_containers_dir(storage);
	_cleanup_closedir_ DIR *d = opendir(cdir);
	if (!d)
		return errno == ENOENT ? 0 : clan_error(err, errno, "cannot list %s", cdir);
	struct container_rec *recs = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (strlen(e->d_name) != 64)
			continue;
		_cleanup_free_ char *dir = xasprintf("%s/%s", cdir, e->d_name);
		struct container_rec r;
		struct clan_err ignored;
		if (store_load(dir, &r, &ignored) < 0)
			continue; /* being created or removed right now */
		recs = xrealloc(recs, (n + 1) * sizeof *recs);
		recs[n++] = r;
	}
	if (n > 1)
		qsort(recs, n, sizeof *recs, by_created);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = fn(&recs[i], arg);
		container_rec_free(&recs[i]);
	}
	free(recs);
	return rc;
}

bool store_is_running(const struct container_rec *r)
{
	if (strcmp(r->state, "exited") == 0 || r->pid <= 0)
		return false;
	if (kill(r->pid, 0) < 0 && errno == ESRCH)
		return false;
	return proc_start_time(r->pid) == r->pid_start;
}

bool store_init_alive(const struct container_rec *r)
{
	return store_is_running(r) && r->init_pid > 0 &&
	       proc_start_time(r->init_pid) == r->init_start;
}

/* A container is on record (and in ps) a moment before its pid 1 exists:
 * exec and --network container:NAME right after a start wait for it, as
 * they would on docker, instead of calling it not running. Bounded: 5 s. */
bool store_await_init(struct container_rec *r)
{
	for (int i = 0; i < 100; i++) {
		if (store_init_alive(r))
			return true;
		if (r->init_pid > 0 || !store_is_running(r))
			return false;
		struct timespec ts = {0, 50 * 1000 * 1000};
		nanosleep(&ts, NULL);
		_cleanup_free_ char *dir = xstrdup(r->dir);
		struct container_rec fresh;
		struct clan_err ignored;
		if (store_load(dir, &fresh, &ignored) < 0)
			return false; /* removed meanwhile */
		container_rec_free(r);
		*r = fresh;
	}
	return false;
}

/* The slirp4netns API socket of a container whose run was killed (rm -f
 * sends SIGKILL: its slirp_stop never ran). Only a socket: the path is
 * ours, but nothing else is removed under that name. */
static void forget_slirp_socket(const struct container_rec *r)
{
	_cleanup_free_ char *runtime = paths_runtime_dir();
	_cleanup_free_ char *sock = paths_slirp_socket(runtime, r->id);
	struct stat st;
	if (lstat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(sock);
}

int store_remove_tree(const struct container_rec *r, const char *dir, struct clan_err *err)
{
	struct clan_err first;
	if (remove_tree(dir, &first) == 0)
		return 0;
	/* files made by subordinate ids: remove them as root of a namespace
	 * with the same maps */
	if (r->uidmap.n < 2) {
		*err = first;
		return -1;
	}
	return userns_remove_tree(dir, &r->uidmap, &r->gidmap, err);
}

int store_release(const char *storage, const struct container_rec *r, struct clan_err *err)
{
	forget_slirp_socket(r);
	_cleanup_free_ char *cdir = store_containers_dir(storage);
	_cleanup_free_ char *link = xasprintf("%s/names/%s", cdir, r->name);
	char target[65];
	ssize_t n = readlink(link, target, sizeof target - 1);
	if (n <= 0 || (size_t)n != strlen(r->id) || strncmp(target, r->id, (size_t)n) != 0)
		return 0; /* not ours (any more): another container has the name */
	if (unlink(link) < 0 && errno != ENOENT)
		return clan_error(err, errno, "cannot release the name %s", r->name);
	return 0;
}

int store_remove(const char *storage, const struct container_rec *r, struct clan_err *err)
{
	if (store_remove_tree(r, r->dir, err) < 0)
		return -1;
	return store_release(storage, r, err);
}

void container_rec_free(struct container_rec *r)
{
	free(r->name);
	free(r->image);
	strv_free(&r->cmd);
	strv_free(&r->ports);
	free(r->net_owner);
	free(r->project);
	free(r->service);
	strv_free(&r->env);
	free(r->workdir);
	strv_free(&r->cap_add);
	strv_free(&r->cap_drop);
	strv_free(&r->ulimits);
	free(r->dir);
	*r = (struct container_rec){0};
}
