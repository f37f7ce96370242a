/* Libraries loaded on first use (dl_curl.h, dl_archive.h, dl_crypto.h say
 * why). A missing library is an error value naming the package to
 * install, never an exit: a supervisor that runs for days goes on without
 * libcurl, and a later pull retries once the package is installed. */
#ifndef CLAN_DL_H
#define CLAN_DL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

/* One library: where it is, which package has it, and which of its
 * functions clan calls (in the order of the table they fill). */
struct dl_lib {
	const char *soname;
	const char *package; /* "libcurl4 (apt-get install libcurl4)" */
	const char *const *names;
	size_t n;
};

/* Resolves every name of lib into slots[0..n). -1 with err (exit code
 * CLAN_EXIT_SETUP) naming the package when the library or a function is
 * missing; slots are then all NULL. */
int dl_load(const struct dl_lib *lib, void **slots, struct clan_err *err);

enum dl_which { DL_CURL, DL_ARCHIVE, DL_CRYPTO };

/* Loads one of clan's libraries unless done already; every entry point
 * that reaches its functions asks this first and returns err up. Safe
 * from several threads; a failed load is tried again at the next call. */
int dl_need(enum dl_which which, struct clan_err *err);

/* Whether this process has which loaded already. */
bool dl_loaded(enum dl_which which);

/* The filled table of which, for the dl_*.h macros: a caller that did not
 * ask dl_need first is a bug in clan, which this reports and aborts on
 * when the library cannot be loaded. */
void *dl_table(enum dl_which which);

#endif
