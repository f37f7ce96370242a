/* What a RUN step prints, as --progress asks: plain streams it as it
 * comes; auto on a terminal shows its last lines in place and erases them
 * when the step succeeds; quiet shows nothing. Either way a failing step's
 * whole output is printed after it. */
#ifndef CLAN_BUILD_OUTPUT_H
#define CLAN_BUILD_OUTPUT_H

#include <stdbool.h>
#include <sys/types.h>

#include "base/error.h"
#include "build/build.h"

struct run_output {
	int fd;	    /* the container's stdout and stderr; -1: clan's own (plain) */
	pid_t pid;  /* the reader, 0: none */
	int log_fd; /* everything the step printed */
};

/* Sets up the output of one RUN step; log_dir holds its log. */
int run_output_open(struct run_output *o, enum build_progress mode, const char *log_dir,
		    struct clan_err *err);
/* After the step: waits for the reader (the drawing erased); a failed
 * step's output is printed on stderr. */
void run_output_close(struct run_output *o, bool failed);

#endif
