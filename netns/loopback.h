/* The loopback interface of a fresh network namespace. */
#ifndef CLAN_LOOPBACK_H
#define CLAN_LOOPBACK_H

#include "error.h"

/* Brings `lo` up in the current network namespace. */
int loopback_up(struct clan_err *err);

#endif
