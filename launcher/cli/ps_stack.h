/* clan ps for the stack of the current directory. */
#ifndef CLAN_PS_STACK_H
#define CLAN_PS_STACK_H

#include <stdbool.h>

#include "base/error.h"

int ps_stack(bool all, bool json, struct clan_err *err);

#endif
