/* Writing tar entries into a layer dir without ever leaving it: every
 * path is resolved one component at a time with O_NOFOLLOW below the
 * layer's dir fd, so a symlink in the layer (wherever it points) is never
 * followed, and the process's cwd is never touched. */
#ifndef CLAN_LAYER_WRITE_H
#define CLAN_LAYER_WRITE_H

#include "base/dl_archive.h"
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

enum layer_name {
	LAYER_NAME_OK,
	LAYER_NAME_ABSOLUTE, /* starts with '/' */
	LAYER_NAME_DOTDOT,   /* has a ".." component, wherever it leads */
};

/* Cleans a tar entry name into *out (allocated): drops "." and empty
 * components, so "./a//b/" is "a/b" and "./" is "" (the layer root).
 * Absolute names and names with ".." are refused, *out untouched. */
enum layer_name layer_clean_name(const char *name, char **out);

struct layer_fixup;

struct layer_writer {
	int root_fd;		    /* the layer dir */
	const char *id;		    /* the layer, for messages */
	bool keep_owners;	    /* chown to the tar's ids (root of a userns, or host root) */
	char *dir_path;		    /* the last parent dir opened, kept open... */
	int dir_fd;		    /* ...as this fd (-1: none) */
	struct layer_fixup *fixups; /* dir modes and times, set at the end */
	size_t nfixups, capfixups;
};

/* root_fd stays the caller's. Without keep_owners every file is the
 * caller's and setuid/setgid bits are dropped. */
void layer_writer_init(struct layer_writer *w, int root_fd, const char *id, bool keep_owners);

/* Writes entry e (its data read from a) into the layer. Refuses, naming
 * the entry: names leaving the layer, paths through a symlink, hardlinks
 * to outside the layer, device nodes other than whiteouts. `.wh.NAME`
 * becomes a 0:0 character device NAME, `.wh..wh..opq` the xattr
 * user.overlay.opaque=y on its dir (overlayfs mounted with userxattr). */
int layer_write_entry(struct layer_writer *w, struct archive *a, struct archive_entry *e,
		      struct clan_err *err);

/* Gives directories their modes and times, deepest first (done last so
 * that a read-only dir from the tar could still be filled). */
int layer_writer_finish(struct layer_writer *w, struct clan_err *err);

void layer_writer_free(struct layer_writer *w);

#endif
