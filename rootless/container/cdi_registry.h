/* The CDI spec files of a machine and the devices they name, as podman's
 * cdi_spec_dirs reads them: later directories override earlier ones. */
#ifndef CLAN_CDI_REGISTRY_H
#define CLAN_CDI_REGISTRY_H

#include "container/cdi_spec.h"

/* CDI's own directories, lowest priority first */
#define CDI_DEFAULT_DIRS "/etc/cdi:/var/run/cdi"
/* colon-separated directories instead of CDI_DEFAULT_DIRS */
#define CDI_DIRS_ENV "CLAN_CDI_SPEC_DIRS"

struct cdi_registry {
	struct cdi_spec *specs;
	size_t *prio; /* per spec: the index of its directory in dirs */
	size_t n;
	char *dirs;
};

/* Reads every *.json and *.yaml of each of dirs (colon-separated; one
 * missing is fine). A directory or file that someone else could have
 * written (group- or world-writable, or owned by neither root nor the
 * user) is skipped with a line in *warnings: on a shared machine another
 * user must not choose what a container gets. A malformed or oversized
 * spec is an exit-2 error naming its file. */
int cdi_registry_load(const char *dirs, struct cdi_registry *reg, struct strv *warnings,
		      struct clan_err *err);
void cdi_registry_free(struct cdi_registry *reg);

struct cdi_pick {
	const struct cdi_spec *spec;
	const struct cdi_device *dev;
};

/* The devices kind=name names: one, or with name "all" (and no device of
 * that name) every device of kind. The spec of the latest directory that
 * defines a device wins; two files of one directory defining it are an
 * error, as CDI says. Unknown kind or name: exit 2 with what there is.
 * Caller frees *picks. */
int cdi_registry_resolve(const struct cdi_registry *reg, const char *kind, const char *name,
			 struct cdi_pick **picks, size_t *n, struct clan_err *err);

#endif
