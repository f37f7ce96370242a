/* Where a container's root comes from. One small interface for every
 * source: `dir:/path`, `host`, `deb:SUITE[+pkgs]` and registry references
 * (`postgres:15`, `127.0.0.1:5000/lib/app:1`), pulled or built on first
 * use. */
#ifndef CLAN_IMAGE_H
#define CLAN_IMAGE_H

#include <stdbool.h>

#include "base/error.h"
#include "image/imgstore.h"
#include "ns/userns.h"
#include "base/util.h"

struct image {
	char *ref;	    /* as the user wrote it */
	struct strv lowers; /* read-only layers, top first */
	bool is_host;	    /* the host's / */
	struct strv entrypoint;
	struct strv cmd; /* default command (empty: none) */
	struct strv env; /* default environment */
	char *workdir;	 /* NULL: / */
	char *user;	 /* NULL: root */
	char id[72];	 /* the store's image id; "" for dir: and host */
	struct image_health health;
};

struct image_resolve_opts {
	enum userns_mode userns; /* how pulled layers are owned */
};

/* Resolves ref to layers, pulling or building what the store lacks.
 * Unknown schemes and missing dirs: exit 2 with the fix. */
int image_resolve(const char *ref, const struct image_resolve_opts *o, struct image *img,
		  struct clan_err *err);
void image_free(struct image *img);
/* Whether image_resolve of ref would find it in the user's store, with
 * nothing to pull or build (dir: and host: always). */
bool image_is_stored(const char *ref);

/* The store's record for a registry reference (the tagged one, else
 * pulled; pull: pulled anyway, as --pull) or a deb: one (built once). */
int image_record_get(struct imgstore *st, const char *ref, enum userns_mode userns, bool pull,
		     struct image_record *rec, struct clan_err *err);
/* A record of the store as layers (top first) and defaults; img->ref
 * must be set (messages name it). */
int image_of_record(const struct imgstore *st, const struct image_record *r, struct image *img,
		    struct clan_err *err);
/* A deep copy of img into out. */
void image_copy(const struct image *img, struct image *out);

/* Reads rel (e.g. "etc/passwd") from the top-most layer that has it (a
 * whiteout hides it); -1 with errno ENOENT when none has it. */
int image_read_file(const struct image *img, const char *rel, size_t max, char **out);

#endif
