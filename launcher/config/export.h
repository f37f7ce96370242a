/* clan export: the resolved stack (what `clan config` prints) in the
 * form another tool runs: Kubernetes objects (export_kube.c) or a compose
 * file for Docker and Podman (export_compose.c). Pure conversions of the
 * model: nothing is read or started; what has no form in the target is a
 * warning line (or, for what cannot run at all, an exit-2 error), never
 * dropped silently. */
#ifndef CLAN_EXPORT_H
#define CLAN_EXPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/error.h"
#include "base/util.h"
#include "config/stack.h"
#include "netns/portspec.h"

/* The container ports a service listens on without publishing them (its
 * profile's ports:), for the Services and the waits of its dependents. */
struct export_listen {
	const struct port_map *ports;
	size_t n;
};

struct export_opts {
	const bool *want; /* per service of the stack: exported; NULL: all */
	/* kube: the prefix (HOST[:PORT][/PATH]) of the tags of images built
	 * from a Dockerfile, so a cluster can pull them; NULL: none */
	const char *registry;
	const struct export_listen *listen; /* per service; NULL: none */
};

/* The documents to write, each with the comment lines above it. */
struct export_out {
	json_t *docs;	      /* array of objects, in the order to apply them */
	struct strv comments; /* per doc: "" or lines without the "# " */
	struct strv warnings; /* one line each: what has no form in the target */
	struct strv notes;    /* one line each: what the user has to do (push a tag) */
};

/* Pods, Services, PersistentVolumeClaims, ConfigMaps and Secrets for the
 * wanted services. Exit 2 for an image with no registry form (deb:, dir:,
 * host), a name that cannot become a Kubernetes name, two services that
 * would get the same one. */
int export_kube(const struct stack *st, const struct export_opts *o, struct export_out *out,
		struct clan_err *err);

/* One compose document: services with what profiles and .clanrc
 * shorthand resolved to, short-form ports and volumes, every $ of a value
 * doubled (compose interpolates the file it reads). Exit 2 for an image
 * with no compose form. */
int export_compose(const struct stack *st, const struct export_opts *o, struct export_out *out,
		   struct clan_err *err);

/* The documents as a YAML stream: comment lines, "---", the document.
 * -1 when writing failed. */
int export_write(const struct export_out *out, FILE *f);

/* Frees what export_kube or export_compose left in out, after an error
 * too. */
void export_out_free(struct export_out *out);

/* Exit 2 unless the image is one another runtime pulls: a registry
 * reference, not deb:, dir: or host (what for names the target). */
int export_check_image(const struct service *s, const char *what, struct clan_err *err);

#endif
