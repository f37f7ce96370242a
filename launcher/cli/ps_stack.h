/* clan ps for the stack of the current directory. */
#ifndef CLAN_PS_STACK_H
#define CLAN_PS_STACK_H

#include <stdbool.h>

#include "base/error.h"
#include "config/stack.h"

#include "base/util.h"

struct ps_stack_opts {
	bool all;		  /* -a: stopped and exited services too */
	bool json;		  /* --format json */
	bool quiet;		  /* -q: container ids, one a line */
	bool services;		  /* --services: service names, one a line */
	const struct strv *names; /* SERVICE...: only those (empty: all) */
};

int ps_stack(const struct project_args *args, const struct ps_stack_opts *o, struct clan_err *err);

#endif
