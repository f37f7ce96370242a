/* The loopback interface of a fresh network namespace. */
#ifndef CLAN_LOOPBACK_H
#define CLAN_LOOPBACK_H

#include "base/error.h"

/* Brings `lo` up in the current network namespace. */
int loopback_up(struct clan_err *err);

/* In the current network namespace (through the host's /proc, before
 * pivot_root), any user may bind ports below 1024, as Docker sets it: the
 * namespace is the container's own, and in a stack its services are not
 * root of the namespace that owns it. */
int netns_allow_low_ports(struct clan_err *err);

#endif
