/* Showing a stack's logs: the stored lines of its services merged by
 * time, with a coloured "service | " prefix, and following new lines. */
#ifndef CLAN_LOGVIEW_H
#define CLAN_LOGVIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "supervisor/stack_state.h"
#include "base/util.h"

struct logview_opts {
	const struct stack_state *ss;
	const struct strv *services; /* whose logs, in stack order */
	bool follow;
	bool color, prefix, timestamps;
	/* show the lines' terminal controls as escapes (term_safe): for a
	 * terminal, where a service could otherwise clear the screen, retitle
	 * the window or write the clipboard */
	bool escape;
	long tail;     /* lines per service; -1: all */
	int64_t since; /* unix seconds; 0: all */
	int stop_fd;   /* readable (e.g. a signalfd): stop following */
	/* with follow: stop once the supervisor is gone and all is read */
	bool until_supervisor_exits;
};

/* Returns 0, or 1 when stopped through stop_fd. */
int logview_run(const struct logview_opts *o);

/* "10s", "5m", "2h", "1d" before now, or unix seconds; false when neither. */
bool logview_parse_since(const char *text, int64_t now, int64_t *out);

#endif
