/* --device and compose's devices: host device nodes bound into the
 * container, and CDI devices (vendor.com/class=name) resolved from the
 * machine's CDI spec files into binds and environment. */
#ifndef CLAN_DEVICES_H
#define CLAN_DEVICES_H

#include <stdbool.h>

#include "base/error.h"
#include "container/spec.h"

/* "/dev/X[:/dev/Y][:rwm]" as docker reads it */
struct device_node_req {
	char *src, *dst;
	bool read, write;
	bool mknod; /* m: accepted, though a user namespace can make no node */
};

/* Checks a --device text without touching the filesystem: a CDI name, or
 * a node request (into *node unless NULL; caller frees it with
 * device_node_req_free). Exit 2 with what was expected. */
int device_req_check(const char *text, struct device_node_req *node, struct clan_err *err);
void device_node_req_free(struct device_node_req *r);

/* Turns s->devices into binds (pinned now: see bind_source_pin_device)
 * and, for CDI devices, more binds and environment; CDI spec files are
 * read from $CLAN_CDI_SPEC_DIRS or CDI's own directories. A CDI device
 * with hooks or other edits that need root is refused, naming them. */
int devices_apply(struct container_spec *s, struct clan_err *err);

#endif
