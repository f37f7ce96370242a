/* Container records in the storage dir: containers/<id>/container.json,
 * with containers/names/<name> -> <id> claiming names atomically. */
#ifndef CLAN_STORE_H
#define CLAN_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "ns/idmap.h"
#include "container/spec.h"
#include "base/util.h"

struct container_rec {
	char id[65];
	char *name;
	char *image;
	char image_id[72]; /* the stored image it was made from ("" for dir:, host) */
	struct strv cmd;
	int64_t created;  /* unix seconds */
	int64_t finished; /* 0 while running */
	char state[16];	  /* "running" or "exited" */
	int exit_code;
	pid_t pid; /* the clan process that runs it */
	uint64_t pid_start;
	bool rm;
	char userns[16];     /* "single" or "subuid" */
	struct idmap uidmap; /* to remove subuid-owned files later */
	struct idmap gidmap;
	char network[16];	 /* slirp4netns, none or host: what its network is */
	char *net_owner;	 /* the container whose network it joined, or NULL */
	char port_handler[16];	 /* "clan" or "slirp4netns" when ports are published */
	struct strv ports;	 /* published, "127.0.0.1:8080->80/tcp" */
	char *project, *service; /* a stack's service: which (else NULL) */
	/* what `clan exec` starts from, as the container's command got it */
	struct strv env;
	char *workdir;
	uint32_t uid, gid;
	/* --cap-add/--cap-drop, for `clan exec` (none in an older record:
	 * Docker's default set, which it had) */
	struct strv cap_add, cap_drop;
	struct strv ulimits; /* --ulimit, as ulimit_format writes them */
	pid_t init_pid;	     /* the container's pid 1, as the host sees it */
	uint64_t init_start;
	char *dir;
};

/* The storage dir's containers/ (created private on demand). */
char *store_containers_dir(const char *storage);

/* Makes the dir, writes the record (with the id maps its files will need
 * to be removed) and claims spec->name (or a generated one). A taken name
 * is an exit-2 error naming `clan rm`. */
int store_create(const char *storage, const struct container_spec *spec, const char *image_id,
		 const char *userns, const struct idmap *uidmap, const struct idmap *gidmap,
		 struct container_rec *rec, struct clan_err *err);
int store_save(const struct container_rec *rec, struct clan_err *err);
int store_load(const char *dir, struct container_rec *rec, struct clan_err *err);
/* By name, full id or unique id prefix. */
int store_find(const char *storage, const char *key, struct container_rec *rec,
	       struct clan_err *err);
/* Calls fn for every container, oldest first. */
int store_list(const char *storage, int (*fn)(const struct container_rec *, void *), void *arg,
	       struct clan_err *err);
/* Whether the clan process that runs rec is still alive. */
bool store_is_running(const struct container_rec *rec);
/* Whether its pid 1 is still the process recorded (not a reused pid). */
bool store_init_alive(const struct container_rec *rec);
/* store_init_alive, after waiting (bounded) for a container still starting;
 * rec is reloaded from its dir meanwhile. */
bool store_await_init(struct container_rec *rec);
/* Removes the dir (through the user namespace when subuid-owned files are
 * in it) and the name. */
int store_remove(const char *storage, const struct container_rec *rec, struct clan_err *err);
/* store_remove's two halves: dir (rec's own, or where it was moved)
 * removed with rec's maps, and rec's name and slirp4netns socket freed. */
int store_remove_tree(const struct container_rec *rec, const char *dir, struct clan_err *err);
int store_release(const char *storage, const struct container_rec *rec, struct clan_err *err);
/* store_remove without the wait: the dir leaves containers/ at once
 * (renamed into the storage's trash/) and the name is freed; a detached
 * process deletes the tree, and then whatever an earlier one left in
 * trash/ (killed before it finished). Falls back to store_remove when the
 * rename fails. */
int store_remove_detached(const char *storage, const struct container_rec *rec,
			  struct clan_err *err);
void container_rec_free(struct container_rec *rec);

#endif
