/* Unit tests for base/progress.c (notes, warnings, bars only on a
 * terminal) and base/debug.c (one switch, CLAN_DEBUG). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "base/debug.h"
#include "base/progress.h"
#include "tap.h"

/* What fn wrote on stderr (fd 2), or NULL when it could not be caught. */
static char *stderr_of(void (*fn)(void))
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return NULL;
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	if (saved < 0 || dup2(p[1], STDERR_FILENO) < 0)
		return NULL;
	close(p[1]);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	static char buf[4096];
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	close(p[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void say_all(void)
{
	progress_say("building %s...", "deb:bookworm");
	progress_note("root is host root");
	progress_warn("port %d is not bound", 80);
	progress_line("Unable to find image '%s' locally", "alpine:3");
}

TEST(lines_keep_their_wording)
{
	CHECK_STR(stderr_of(say_all), "clan: building deb:bookworm...\n"
				      "clan: note: root is host root\n"
				      "clan: warning: port 80 is not bound\n"
				      "Unable to find image 'alpine:3' locally\n");
}

static void debug_line(void)
{
	clan_debug("overlay: %s", "fuse");
}

TEST(debug_follows_the_environment)
{
	unsetenv("CLAN_DEBUG");
	CHECK(!clan_debug_on());
	CHECK_STR(stderr_of(debug_line), "");
	setenv("CLAN_DEBUG", "0", 1);
	CHECK(!clan_debug_on());
	setenv("CLAN_DEBUG", "", 1);
	CHECK(!clan_debug_on());
	CHECK_STR(stderr_of(debug_line), "");
	setenv("CLAN_DEBUG", "1", 1);
	CHECK(clan_debug_on());
	CHECK_STR(stderr_of(debug_line), "clan: debug: overlay: fuse\n");
	unsetenv("CLAN_DEBUG");
	/* --debug: set for this process and what it starts */
	clan_debug_enable();
	CHECK(clan_debug_on());
	CHECK_STR(getenv("CLAN_DEBUG"), "1");
	unsetenv("CLAN_DEBUG");
}

/* Draws two bars twice on f, as a pull redraws them. */
static void draw_twice(struct progress_bars *b)
{
	for (int round = 0; round < 2; round++) {
		progress_bars_begin(b);
		progress_bars_line(b, "layer %d [%s]", 1, "==>  ");
		progress_bars_line(b, "layer %d [%s]", 2, "     ");
		progress_bars_end(b);
	}
}

TEST(no_bars_on_a_pipe)
{
	int p[2];
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	FILE *f = fdopen(p[1], "w");
	CHECK(f != NULL);
	CHECK(!progress_is_terminal(f));
	struct progress_bars b;
	progress_bars_init(&b, f, true);
	CHECK(!b.on);
	draw_twice(&b);
	fclose(f);
	char buf[256];
	ssize_t n = read(p[0], buf, sizeof buf);
	close(p[0]);
	/* nothing: no escape codes, no carriage returns in a log */
	CHECK(n == 0);
}

TEST(bars_on_a_terminal_redraw_in_place)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0)
		SKIP("no pseudo-terminal here");
	int s = open(ptsname(m), O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(s >= 0);
	FILE *f = fdopen(s, "w");
	CHECK(f != NULL);
	CHECK(progress_is_terminal(f));
	struct progress_bars b;
	progress_bars_init(&b, f, false);
	CHECK(!b.on); /* not wanted (pull -q) */
	progress_bars_init(&b, f, true);
	CHECK(b.on);
	draw_twice(&b);
	CHECK(b.drawn == 2);
	fclose(f);
	/* a pty hands its data over in pieces: read until it has no more */
	char buf[512];
	size_t n = 0;
	struct pollfd p = {.fd = m, .events = POLLIN};
	while (n < sizeof buf - 1 && poll(&p, 1, 200) > 0) {
		ssize_t r = read(m, buf + n, sizeof buf - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(m);
	CHECK(n > 0);
	buf[n] = '\0';
	/* the second drawing moves up over the first's two lines */
	CHECK(strstr(buf, "\033[2Klayer 1 [==>  ]") != NULL);
	CHECK(strstr(buf, "\033[2A") != NULL);
}

TEST(bar_fill)
{
	char bar[21];
	progress_bar_fill(bar, 20, 0, 100);
	CHECK_STR(bar, "                    ");
	progress_bar_fill(bar, 20, 50, 100);
	CHECK_STR(bar, "=========>          ");
	progress_bar_fill(bar, 20, 100, 100);
	CHECK_STR(bar, "====================");
	/* an unknown size, and more than announced: full, never past the bar */
	progress_bar_fill(bar, 20, 7, 0);
	CHECK_STR(bar, "====================");
	progress_bar_fill(bar, 20, 300, 100);
	CHECK_STR(bar, "====================");
	/* a hostile registry's sizes: done * width would overflow 64 bits */
	progress_bar_fill(bar, 20, 500000000000000000, 500000000000000000);
	CHECK_STR(bar, "====================");
	progress_bar_fill(bar, 20, INT64_MAX / 2 + 1, INT64_MAX);
	CHECK_STR(bar, "=========>          ");
}
