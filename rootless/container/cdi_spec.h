/* One Container Device Interface spec file (cdiVersion 0.3.0 to 0.8.0,
 * JSON or YAML), checked and kept as plain data: what a device asks of a
 * container, before anything is applied. */
#ifndef CLAN_CDI_SPEC_H
#define CLAN_CDI_SPEC_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/util.h"

/* A spec file larger than this is refused: real ones are a few KiB. */
#define CDI_SPEC_MAX (1u << 20)

struct cdi_node {
	char *path;	 /* in the container, absolute */
	char *host_path; /* on the host, absolute (the spec's path when it gives none) */
	bool write;	 /* permissions has w (or none are given: rwm) */
};

struct cdi_mount {
	char *host_path, *container_path; /* absolute */
	bool ro;
};

/* containerEdits */
struct cdi_edits {
	struct cdi_node *nodes;
	size_t nnodes;
	struct cdi_mount *mounts;
	size_t nmounts;
	struct strv env; /* K=V */
	/* "HOOKNAME PATH" of each hook: a rootless runtime cannot run them */
	struct strv hooks;
	/* the other edits that need root (additionalGids, intelRdt,
	 * netDevices), by field name */
	struct strv root_only;
};

struct cdi_device {
	char *name;
	struct cdi_edits edits;
};

struct cdi_spec {
	char *file;
	char *kind; /* vendor/class */
	struct cdi_device *devs;
	size_t ndevs;
	struct cdi_edits edits; /* the spec's own: go with any of its devices */
};

/* Parses text (len bytes; YAML unless file ends in .json) into out.
 * Anything malformed is one exit-2 error naming the file: bad JSON/YAML,
 * an unknown cdiVersion, a bad kind or device name, a path that is not
 * absolute or has a ".." in it, a field of the wrong type. Unknown fields
 * are ignored, as newer specs add some. */
int cdi_spec_parse(const char *text, size_t len, const char *file, struct cdi_spec *out,
		   struct clan_err *err);
void cdi_spec_free(struct cdi_spec *s);

/* "vendor.com/class=name" split into its kind and name (caller frees
 * both); false when text is not one. */
bool cdi_name_split(const char *text, char **kind, char **name);

#endif
