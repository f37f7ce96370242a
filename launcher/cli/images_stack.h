/* clan images for the stack of the current directory. */
#ifndef CLAN_IMAGES_STACK_H
#define CLAN_IMAGES_STACK_H

#include "base/error.h"
#include "config/stack.h"

int images_stack(const struct project_args *args, struct clan_err *err);

#endif
