/* clan ps for the stack of the current directory. */
#ifndef CLAN_PS_STACK_H
#define CLAN_PS_STACK_H

#include <stdbool.h>

#include "base/error.h"
#include "config/stack.h"

int ps_stack(const struct project_args *args, bool all, bool json, struct clan_err *err);

#endif
