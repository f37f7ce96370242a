#define _GNU_SOURCE
#include "supervisor/volume.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs/mount_plan.h"
#include "base/paths.h"
#include "ns/userns.h"
#include "ns/userns_exec.h"
#include "base/util.h"

static char *volumes_dir(const char *storage)
{
	return xasprintf("%s/volumes", storage);
}

static int write_record(const char *dir, const char *name, const char *project,
			struct clan_err *err)
{
	json_t *o = json_pack("{s:s,s:s,s:I}", "name", name, "project", project, "created",
			      (json_int_t)time(NULL));
	_cleanup_free_ char *path = xasprintf("%s/volume.json", dir);
	int rc = o ? json_dump_file(o, path, JSON_INDENT(2)) : -1;
	json_decref(o);
	return rc < 0 ? clan_error(err, errno, "cannot write %s", path) : 0;
}

/* Built aside and renamed into place: a half-made volume is never used. */
static int create_volume(const char *vols, const char *name, const char *project, const char *dir,
			 struct clan_err *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/.new-%s-%d", vols, name, (int)getpid());
	_cleanup_free_ char *tdata = xasprintf("%s/_data", tmp);
	_cleanup_free_ char *marker = xasprintf("%s/%s", tmp, MOUNT_POPULATE_MARKER);
	struct clan_err ignored;
	remove_tree(tmp, &ignored);
	if (mkdir(tmp, 0700) < 0 || mkdir(tdata, 0755) < 0)
		return clan_error(err, errno, "cannot create volume %s", name);
	if (write_file(marker, "", 0, err) < 0 || write_record(tmp, name, project, err) < 0 ||
	    (rename(tmp, dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)) {
		if (err->msg[0] == '\0')
			clan_error(err, errno, "cannot create volume %s", name);
		remove_tree(tmp, &ignored);
		return -1;
	}
	remove_tree(tmp, &ignored); /* another clan made it first */
	return 0;
}

static bool data_is_dir(const char *data)
{
	struct stat st;
	return lstat(data, &st) == 0 && S_ISDIR(st.st_mode);
}

int volume_ensure(const char *storage, const char *name, const char *project, char **data,
		  struct clan_err *err)
{
	_cleanup_free_ char *vols = volumes_dir(storage);
	_cleanup_free_ char *dir = xasprintf("%s/%s", vols, name);
	*data = xasprintf("%s/_data", dir);
	err->msg[0] = '\0';
	if (data_is_dir(*data))
		return 0;
	if (paths_ensure_private_dir(storage, err) < 0 || mkdir_p(vols, 0700, err) < 0 ||
	    create_volume(vols, name, project, dir, err) < 0) {
		free(*data);
		*data = NULL;
		return -1;
	}
	return 0;
}

int volume_hold(const char *storage, const char *name, struct clan_err *err)
{
	_cleanup_free_ char *vols = volumes_dir(storage);
	_cleanup_free_ char *dir = xasprintf("%s/%s", vols, name);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return clan_error(err, errno, "volume %s", name);
	if (flock(fd, LOCK_SH | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		return clan_error(err, e == EWOULDBLOCK ? 0 : e, "volume %s%s", name,
				  e == EWOULDBLOCK ? " is being removed" : "");
	}
	return fd;
}

bool volume_exists(const char *storage, const char *name)
{
	_cleanup_free_ char *vols = volumes_dir(storage);
	_cleanup_free_ char *data = xasprintf("%s/%s/_data", vols, name);
	return data_is_dir(data);
}

static int load_info(const char *vols, const char *name, struct volume_info *v)
{
	*v = (struct volume_info){.name = xstrdup(name), .dir = xasprintf("%s/%s", vols, name)};
	_cleanup_free_ char *path = xasprintf("%s/volume.json", v->dir);
	json_error_t je;
	json_t *o = json_load_file(path, 0, &je);
	const char *project = o ? json_string_value(json_object_get(o, "project")) : NULL;
	v->project = xstrdup(project ? project : "");
	v->created = o ? json_integer_value(json_object_get(o, "created")) : 0;
	json_decref(o);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int volume_list(const char *storage, int (*fn)(const struct volume_info *, void *), void *arg,
		struct clan_err *err)
{
	_cleanup_free_ char *vols = volumes_dir(storage);
	_cleanup_closedir_ DIR *d = opendir(vols);
	if (!d)
		return errno == ENOENT ? 0 : clan_error(err, errno, "cannot list %s", vols);
	struct strv names = {0};
	for (struct dirent *e; (e = readdir(d));)
		if (e->d_name[0] != '.')
			strv_push(&names, e->d_name);
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, by_name);
	int rc = 0;
	for (size_t i = 0; i < names.n && rc == 0; i++) {
		struct volume_info v;
		load_info(vols, names.v[i], &v);
		rc = fn(&v, arg);
		volume_info_free(&v);
	}
	strv_free(&names);
	return rc;
}

int volume_remove(const char *storage, const char *name, struct clan_err *err)
{
	_cleanup_free_ char *vols = volumes_dir(storage);
	_cleanup_free_ char *dir = xasprintf("%s/%s", vols, name);
	struct stat st;
	if (strchr(name, '/') || name[0] == '.' || lstat(dir, &st) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "no such volume: %s (clan volume ls)",
				       name);
	/* held until the tree is gone: a stack starting now waits for none */
	_cleanup_close_ int lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		clan_error_code(
		    err, CLAN_EXIT_FAIL,
		    "volume %s is in use by a running stack (clan volume ls shows whose)", name);
		err->sys_errno = VOLUME_IN_USE;
		return -1;
	}
	struct clan_err first;
	if (remove_tree(dir, &first) == 0)
		return 0;
	/* files of a subordinate id: removed as root of a namespace that maps
	 * the whole range */
	struct userns_plan plan;
	struct clan_err ignored;
	if (userns_plan_make(USERNS_SUBUID, 0, 0, &plan, &ignored) < 0) {
		*err = first;
		return -1;
	}
	return userns_remove_tree(dir, &plan.uid, &plan.gid, err);
}

static uint64_t size_at(int dirfd, int depth)
{
	uint64_t total = 0;
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return 0;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		total += (uint64_t)st.st_blocks * 512;
		if (S_ISDIR(st.st_mode) && depth < 64) {
			int fd = openat(dirfd, e->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				total += size_at(fd, depth + 1);
		}
	}
	closedir(d);
	return total;
}

uint64_t volume_size(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? 0 : size_at(fd, 0);
}

void volume_info_free(struct volume_info *v)
{
	free(v->name);
	free(v->project);
	free(v->dir);
	*v = (struct volume_info){0};
}
