/* clan images for the stack of the current directory. */
#ifndef CLAN_IMAGES_STACK_H
#define CLAN_IMAGES_STACK_H

#include "base/error.h"

int images_stack(struct clan_err *err);

#endif
