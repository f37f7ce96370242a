/* Seccomp filters for the container's command. */
#ifndef CLAN_SECCOMP_FILTER_H
#define CLAN_SECCOMP_FILTER_H

#include "error.h"

/* Single-id mode has one uid inside: chown to any other id would fail with
 * EINVAL and break package managers, so chown-type calls succeed without
 * effect (as Podman's ignore_chown_errors and fakeroot do). */
int seccomp_fake_chown(struct clan_err *err);

#endif
