#define _GNU_SOURCE
#include "container/console.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "base/util.h"

void console_start(struct console *con, int master, bool interactive)
{
	*con = (struct console){.master = master, .stdin_open = interactive};
	if (interactive && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &con->saved) == 0) {
		struct termios raw = con->saved;
		cfmakeraw(&raw);
		con->raw = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	console_resize(con);
}

void console_resize(const struct console *con)
{
	struct winsize ws;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(con->master, TIOCSWINSZ, &ws);
}

static bool copy_once(int from, int to)
{
	char buf[16384];
	ssize_t n;
	do
		n = read(from, buf, sizeof buf);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return false;
	return write_all(to, buf, (size_t)n);
}

bool console_pump_in(struct console *con)
{
	if (!copy_once(STDIN_FILENO, con->master))
		con->stdin_open = false;
	return con->stdin_open;
}

bool console_pump_out(struct console *con)
{
	/* EIO: every slave fd is closed, the container is gone */
	return copy_once(con->master, STDOUT_FILENO);
}

void console_stop(struct console *con)
{
	if (con->raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &con->saved);
	if (con->master >= 0)
		close(con->master);
	con->master = -1;
	con->raw = false;
}
