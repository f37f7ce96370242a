/* deb: images: Debian root filesystems built rootless with mmdebstrap and
 * cached in the image store by suite, package set and architecture. */
#ifndef CLAN_DEBIMAGE_H
#define CLAN_DEBIMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "image/imgstore.h"
#include "ns/userns.h"

/* A Debian package name of n bytes (policy 5.6.7): lowercase letters,
 * digits, '+', '-' and '.', at least two, starting with a letter or digit;
 * at most 128 so that nothing odd reaches mmdebstrap's command line. */
bool debimage_is_package_name(const char *s, size_t n);

/* "deb:SUITE" or "deb:SUITE+pkg1,pkg2": the suite and the packages
 * (sorted, unique). Exit-2 errors for an empty suite or package name. */
int debimage_parse(const char *text, char **suite, struct strv *packages, struct clan_err *err);

/* Exit 2 unless suite (n bytes) is a suite or codename of Debian's
 * archive, optionally with a pocket (-backports, -updates, -security):
 * "did you mean deb:bookworm?" for a typo. text is the image as written. */
int debimage_check_suite(const char *text, const char *suite, size_t n, struct clan_err *err);

/* The cache key and image id: "sha256:" + sha256 of
 * "SUITE\nARCH\npkg1\npkg2\n..." with the packages sorted. */
void debimage_key(const char *suite, const struct strv *packages, const char *arch, char id[72]);

/* The name `clan images` shows: "deb:SUITE+<first 12 hex of the key>". */
char *debimage_name(const char *suite, const char id[72]);

/* "deb:SUITE+pkg1,pkg2" as build messages name an image: its packages,
 * the first ones when the list is long ("... (and 12 more)"). */
char *debimage_shown(const char *suite, const struct strv *packages);

/* This machine's architecture as Debian names it (uname -m x86_64 ->
 * amd64), and the mapping itself (unknown names pass through). */
const char *debimage_this_arch(void);
const char *debimage_arch_of(const char *machine);

/* Returns the cached image (no mmdebstrap process at all), or builds it:
 * mmdebstrap --mode=root as root of a user namespace with clan's maps for
 * the mode of userns (subordinate ids: real owners; single: every file the
 * user's), see debimage.c for why; into a temp layer committed
 * atomically; then saves the record (source "deb", packages) and tags it
 * with debimage_name. Concurrent builds of one key are serialised with a
 * lock; an interrupted build (SIGINT, SIGTERM, SIGHUP, SIGQUIT) removes its
 * temp dirs before the signal takes effect. A suite or package name that
 * is not Debian's is an exit-2 error. Says on stderr when a build starts
 * and ends; mmdebstrap's own output only with --debug, else the error names
 * its last lines. */
int debimage_get(struct imgstore *st, const char *suite, const struct strv *packages,
		 const struct userns_plan *userns, struct image_record *rec, struct clan_err *err);

/* Whether the image text names (deb:SUITE[+pkgs]) is in the store with
 * all its layers: debimage_get would build nothing. */
bool debimage_is_built(struct imgstore *st, const char *text);

/* The host's Debian archive, from its apt sources: the URIs serving the
 * host's own codename, its -updates and its -security pocket. */
struct deb_sources {
	char *archive, *updates, *security;
};
/* Scans one sources file (one-line format, or deb822 for *.sources);
 * the first entry for each pocket wins. Pure. */
void debimage_sources_scan(const char *text, bool deb822, const char *codename,
			   struct deb_sources *out);
/* The sources.list lines for suite: archive, and for a release (not sid,
 * not a pocket like bookworm-backports) its -updates and -security. None
 * without an archive: mmdebstrap's default mirror applies. Pure. */
void debimage_mirror_lines(const struct deb_sources *src, const char *suite, struct strv *lines);
void debimage_sources_free(struct deb_sources *s);

#endif
