/* Unit tests for term_safe (text from services and registries shown on a
 * terminal) and for clan logs, which uses it when stdout is a terminal. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/logview.h"
#include "tap.h"
#include "base/termsafe.h"
#include "base/util.h"

static char *safe(const char *s, bool keep_newline)
{
	return term_safe(s, strlen(s), keep_newline);
}

#define SAFE(in, want)                                     \
	do {                                               \
		_cleanup_free_ char *o_ = safe(in, false); \
		CHECK_STR(o_, want);                       \
	} while (0)

TEST(escape_sequences_shown_not_obeyed)
{
	SAFE("\033[2Jcleared", "\\x1b[2Jcleared");
	/* OSC 52: write "evil" to the clipboard, ended by BEL or by ST */
	SAFE("\033]52;c;ZXZpbA==\a", "\\x1b]52;c;ZXZpbA==\\x07");
	SAFE("\033]0;title\033\\", "\\x1b]0;title\\x1b\\");
	/* \r would let a line overwrite what came before it on screen */
	SAFE("password: hunter2\rpassword: ok     ", "password: hunter2\\x0dpassword: ok     ");
	SAFE("bell\a back\b del\x7f", "bell\\x07 back\\x08 del\\x7f");
	SAFE("a\tb", "a\tb");
	SAFE("a\nb", "a\\x0ab");
	_cleanup_free_ char *nl = safe("a\nb", true);
	CHECK_STR(nl, "a\nb");
}

TEST(utf8_kept_invalid_bytes_shown)
{
	SAFE("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3",
	     "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3");
	/* a lone C1 CSI byte (0x9b), as some terminals take it */
	SAFE("x\x9b"
	     "2Jy",
	     "x\\x9b2Jy");
	/* the same as UTF-8 (U+009B), and NEL (U+0085) */
	SAFE("x\xc2\x9b"
	     "2J\xc2\x85y",
	     "x\\u009b2J\\u0085y");
	/* overlong '/', a surrogate, past U+10FFFF, truncated */
	SAFE("\xc0\xaf", "\\xc0\\xaf");
	SAFE("\xed\xa0\x80", "\\xed\\xa0\\x80");
	SAFE("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");
	SAFE("ok\xe2\x82", "ok\\xe2\\x82");
	/* bidi overrides (the "Trojan Source" trick) and isolates */
	SAFE("a\xe2\x80\xae"
	     "cba\xe2\x81\xa6",
	     "a\\u202ecba\\u2066");
	SAFE("", "");
}

TEST(every_byte_escaped_fits)
{
	char in[256];
	for (int i = 0; i < 255; i++)
		in[i] = (char)(i + 1);
	_cleanup_free_ char *o = term_safe(in, 255, false);
	for (const unsigned char *p = (const unsigned char *)o; *p; p++)
		CHECK(*p >= 0x20 || *p == '\t');
}

/* clan logs on a terminal: lines with escapes come out escaped; piped
 * (escape off) they come out as stored. */
static char *logs_output(const char *dir, bool escape)
{
	struct stack_state ss = {.logdir = (char *)dir};
	struct strv names = {0};
	strv_push(&names, "web");
	struct logview_opts o = {.ss = &ss,
				 .services = &names,
				 .prefix = true,
				 .tail = -1,
				 .stop_fd = -1,
				 .escape = escape};
	char path[] = "/tmp/clan-test-logs-out.XXXXXX";
	int fd = mkstemp(path);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	logview_run(&o);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	char *out = NULL;
	struct clan_err err;
	if (read_file(path, 1 << 16, &out, &err) < 0)
		out = xstrdup("");
	close(fd);
	unlink(path);
	strv_free(&names);
	return out;
}

TEST(logs_escaped_on_a_terminal)
{
	char dir[] = "/tmp/clan-test-logs.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	_cleanup_free_ char *log = xasprintf("%s/web.log", dir);
	static const char line[] = "1.000000000 o \033[2J\033]52;c;ZXZpbA==\a\rcaf\xc3\xa9\n";
	struct clan_err err;
	CHECK(write_file(log, line, sizeof line - 1, &err) == 0);
	_cleanup_free_ char *tty = logs_output(dir, true);
	CHECK_STR(tty, "web | \\x1b[2J\\x1b]52;c;ZXZpbA==\\x07\\x0dcaf\xc3\xa9\n");
	_cleanup_free_ char *piped = logs_output(dir, false);
	CHECK_STR(piped, "web | \033[2J\033]52;c;ZXZpbA==\a\rcaf\xc3\xa9\n");
	unlink(log);
	rmdir(dir);
}
