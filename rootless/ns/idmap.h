/* User-namespace id maps: /etc/subuid lookup, the maps for each mode, and
 * their text for /proc/PID/uid_map and newuidmap. Pure functions. */
#ifndef CLAN_IDMAP_H
#define CLAN_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct subid_range {
	uint32_t start, count;
};

/* Finds the first range for user (by name or by decimal uid) in the text of
 * /etc/subuid or /etc/subgid ("name:start:count" lines, '#' comments).
 * Returns true when found. Malformed lines are skipped. */
bool subid_find_in_text(const char *text, const char *user, uint32_t uid, struct subid_range *out);

/* Reads path and calls subid_find_in_text; false when missing/unreadable. */
bool subid_find(const char *path, const char *user, uint32_t uid, struct subid_range *out);

/* Whether [start, start+count) meets a range of any entry in the text of
 * /etc/subuid or /etc/subgid other than skip_user's (by name or uid); the
 * first such entry's name goes to who. */
bool subid_overlap_in_text(const char *text, uint32_t start, uint32_t count, const char *skip_user,
			   uint32_t skip_uid, char *who, size_t who_len);

#define IDMAP_MAX 4
struct idmap_range {
	uint32_t inside, outside, count;
};
struct idmap {
	struct idmap_range r[IDMAP_MAX];
	size_t n;
};

/* Single id: the host id appears as `inside` in the container. */
void idmap_single(struct idmap *m, uint32_t inside, uint32_t host_id);
/* subuid: host id -> 0, the subordinate range -> 1..count. */
void idmap_subid(struct idmap *m, uint32_t host_id, const struct subid_range *sub);
/* Host root: every id maps to itself. */
void idmap_identity(struct idmap *m);

/* "inside outside count\n" lines, as /proc/PID/uid_map takes them. */
void idmap_format(const struct idmap *m, char *buf, size_t len);
/* Whether a container id is mapped, and to which host id. */
bool idmap_to_host(const struct idmap *m, uint32_t inside, uint32_t *host);

/* A nested user namespace inside `parent` (whose outside ids are the
 * host's) that should map like `want` (outside ids also the host's):
 * `out` gets want's ranges with outside ids translated into the parent's
 * inside ids. False when a range of want is not mapped in the parent in
 * one piece. */
bool idmap_rebase(const struct idmap *want, const struct idmap *parent, struct idmap *out);

/* Parses "inside outside count" lines (the text format above, as
 * /proc/self/uid_map shows it); false on malformed input. */
bool idmap_parse(const char *text, struct idmap *m);

#endif
