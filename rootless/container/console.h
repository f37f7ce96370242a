/* The host side of `-t`: the user's terminal in raw mode, relayed to and
 * from the pty master that lives in the container's devpts. */
#ifndef CLAN_CONSOLE_H
#define CLAN_CONSOLE_H

#include <stdbool.h>
#include <termios.h>

struct console {
	int master;
	bool raw; /* stdin was put in raw mode: restore it */
	struct termios saved;
	bool stdin_open;
};

/* Takes ownership of master; puts stdin in raw mode when it is a terminal. */
void console_start(struct console *con, int master, bool interactive);
/* Copies the outer window size to the pty (on start and on SIGWINCH). */
void console_resize(const struct console *con);
/* Moves what is readable from stdin to the master; false on stdin EOF. */
bool console_pump_in(struct console *con);
/* Moves what is readable from the master to stdout; false when the
 * container side has closed. */
bool console_pump_out(struct console *con);
/* Restores the terminal and closes the master. */
void console_stop(struct console *con);

#endif
