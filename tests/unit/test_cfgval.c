/* Unit tests for the small config value parsers: compose durations, stop
 * signals, restart policies (launcher/cfgval), command strings
 * (launcher/words) and the "did you mean" distance (launcher/suggest). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgval.h"
#include "base/suggest.h"
#include "tap.h"
#include "base/util.h"
#include "config/words.h"

static int ms_of(const char *text)
{
	struct clan_err err;
	int ms = -42;
	return duration_parse(text, &ms, &err) < 0 ? -1 : ms;
}

TEST(durations)
{
	CHECK(ms_of("1s") == 1000);
	CHECK(ms_of("500ms") == 500);
	CHECK(ms_of("1m30s") == 90000);
	CHECK(ms_of("1h") == 3600000);
	CHECK(ms_of("1.5s") == 1500);
	CHECK(ms_of(".5s") == 500);
	CHECK(ms_of("0") == 0);
	CHECK(ms_of("0s") == 0);
	CHECK(ms_of("2500us") == 2);
	CHECK(ms_of("2500\xc2\xb5s") == 2);
	CHECK(ms_of("1000000ns") == 1);
	CHECK(ms_of("1h2m3s4ms") == 3723004);
	CHECK(ms_of("24h") == 86400000);
}

TEST(bad_durations)
{
	struct clan_err err;
	int ms;
	CHECK(duration_parse("10", &ms, &err) < 0);
	CHECK_STR(err.msg, "bad duration '10' (e.g. 1s, 500ms, 1m30s)");
	CHECK(err.code == CLAN_EXIT_USAGE);
	CHECK(ms_of("") == -1);
	CHECK(ms_of("s") == -1);
	CHECK(ms_of("1x") == -1);
	CHECK(ms_of("-1s") == -1);
	CHECK(ms_of("1s ") == -1);
	CHECK(ms_of("1 s") == -1);
	CHECK(ms_of(".s") == -1);
	CHECK(duration_parse("999999h", &ms, &err) < 0);
	CHECK_STR(err.msg, "duration '999999h' is too long");
	CHECK(ms_of("99999999999999999999999s") == -1);
}

TEST(duration_format_round_trips)
{
	/* Go's time.Duration.String, as docker compose config prints them */
	static const char *const texts[] = {"0s",     "1s",    "500ms",	     "1m30s", "1m0s",
					    "1h0m0s", "1.5s",  "1h2m3.004s", "10s",   "1.05s",
					    "2m0.5s", "999ms", "24h0m0s"};
	char buf[32];
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		duration_format(ms_of(texts[i]), buf, sizeof buf);
		CHECK_STR(buf, texts[i]);
	}
	/* what compose files write, printed as compose prints it */
	duration_format(ms_of("1m"), buf, sizeof buf);
	CHECK_STR(buf, "1m0s");
	duration_format(ms_of("1h"), buf, sizeof buf);
	CHECK_STR(buf, "1h0m0s");
}

TEST(signals)
{
	struct clan_err err;
	int sig = 0;
	CHECK(signal_parse("SIGINT", &sig, &err) == 0 && sig == SIGINT);
	CHECK(signal_parse("TERM", &sig, &err) == 0 && sig == SIGTERM);
	CHECK(signal_parse("sigquit", &sig, &err) == 0 && sig == SIGQUIT);
	CHECK(signal_parse("9", &sig, &err) == 0 && sig == 9);
	/* a signal without a name formats as SIG59 and parses back (fuzz_cfgval) */
	char shown[32];
	signal_format(59, shown, sizeof shown);
	CHECK(signal_parse(shown, &sig, &err) == 0 && sig == 59);
	CHECK(signal_parse("SIG59", &sig, &err) == 0 && sig == 59);
	CHECK(signal_parse("sig9", &sig, &err) == 0 && sig == 9);
	CHECK(signal_parse("SIG65", &sig, &err) < 0);
	CHECK_STR(err.msg, "bad signal 'SIG65': numbers go from 1 to 64");
	CHECK(signal_parse("0", &sig, &err) < 0);
	CHECK_STR(err.msg, "bad signal '0': numbers go from 1 to 64");
	CHECK(signal_parse("SIGTREM", &sig, &err) < 0);
	CHECK_STR(err.msg, "unknown signal 'SIGTREM' (did you mean SIGTERM?)");
	CHECK(signal_parse("bogus", &sig, &err) < 0);
	CHECK_STR(err.msg, "unknown signal 'bogus' (did you mean SIGBUS?)");
	CHECK(signal_parse("nosuchsignal", &sig, &err) < 0);
	CHECK_STR(err.msg, "unknown signal 'nosuchsignal' (e.g. SIGTERM, SIGINT, SIGQUIT)");
	char buf[16];
	signal_format(SIGINT, buf, sizeof buf);
	CHECK_STR(buf, "SIGINT");
}

TEST(restart_policies)
{
	struct clan_err err;
	enum restart_policy p;
	CHECK(restart_parse("no", &p, &err) == 0 && p == RESTART_NO);
	CHECK(restart_parse("on-failure", &p, &err) == 0 && p == RESTART_ON_FAILURE);
	CHECK(restart_parse("always", &p, &err) == 0 && p == RESTART_ALWAYS);
	CHECK(restart_parse("unless-stopped", &p, &err) == 0 && p == RESTART_UNLESS_STOPPED);
	CHECK(restart_parse("on_failure", &p, &err) < 0);
	CHECK_STR(err.msg, "bad restart policy 'on_failure' (did you mean on-failure?)");
	CHECK(restart_parse("sometimes", &p, &err) < 0);
	CHECK_STR(err.msg,
		  "bad restart policy 'sometimes' (no, on-failure, always or unless-stopped)");
	CHECK_STR(restart_name(RESTART_UNLESS_STOPPED), "unless-stopped");
}

TEST(suggestions)
{
	CHECK(suggest_distance("image", "image") == 0);
	CHECK(suggest_distance("imgae", "image") == 1);
	CHECK(suggest_distance("Image", "image") == 0);
	CHECK(suggest_distance("", "abc") == 3);
	CHECK(suggest_distance("kitten", "sitting") == 3);
	static const char *const names[] = {"postgres", "redis", "mariadb", "django"};
	CHECK_STR(suggest_nearest("postgress", names, 4), "postgres");
	CHECK_STR(suggest_nearest("reddis", names, 4), "redis");
	CHECK_STR(suggest_nearest("djnago", names, 4), "django");
	CHECK(suggest_nearest("mysql", names, 4) == NULL);
	CHECK(suggest_nearest("x", names, 4) == NULL);
	CHECK(suggest_nearest("x", names, 0) == NULL);
}

/* The argv of a command string, joined with | for comparison. */
static char *argv_of(const char *text)
{
	struct strv v = {0};
	struct clan_err err;
	if (words_parse_command(text, "command = ", &v, &err) < 0)
		return xasprintf("<error: %s>", err.msg);
	size_t len = 1;
	for (size_t i = 0; i < v.n; i++)
		len += strlen(v.v[i]) + 1;
	char *s = xcalloc(1, len);
	for (size_t i = 0; i < v.n; i++) {
		if (i)
			strcat(s, "|");
		strcat(s, v.v[i]);
	}
	strv_free(&v);
	return s;
}

#define ARGV(text, want)                    \
	do {                                \
		char *got_ = argv_of(text); \
		CHECK_STR(got_, want);      \
		free(got_);                 \
	} while (0)

TEST(command_words)
{
	ARGV("python3 manage.py runserver 0.0.0.0:8000",
	     "python3|manage.py|runserver|0.0.0.0:8000");
	ARGV("  a   b  ", "a|b");
	ARGV("echo 'a b' \"c d\" e\\ f", "echo|a b|c d|e f");
	ARGV("echo '' \"\"", "echo||");
	ARGV("sh -c 'echo $HOME; ls | wc -l'", "sh|-c|echo $HOME; ls | wc -l");
	ARGV("echo \"say \\\"hi\\\"\"", "echo|say \"hi\"");
	/* as compose: no shell, so globs, ~ and # are plain characters */
	ARGV("a=b --x=[y", "a=b|--x=[y");
	ARGV("ls *.py ~/x #1 a(b)", "ls|*.py|~/x|#1|a(b)");
	ARGV("a\nb\tc", "a|b|c");
}

/* compose's rule: the text's own sh -c is the shell, none is added (the
 * text of issue 11's loop, after interpolation turned $$ into $) */
TEST(command_sh_c_is_the_only_shell)
{
	ARGV("sh -c \"i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done\"",
	     "sh|-c|i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done");
	ARGV("sh -c 'a && b | c > d; `e`'", "sh|-c|a && b | c > d; `e`");
	ARGV("echo \"$HOME\" '$(x)'", "echo|$HOME|$(x)");
	/* quoted or escaped, it is no shell syntax */
	ARGV("echo '$HOME' \\$x a\\;b \\&\\&", "echo|$HOME|$x|a;b|&&");
	ARGV("echo $ 1$ $1 a$", "echo|$|1$|$1|a$");
}

#define NEEDS_SHELL(op)                                                                          \
	"<error: '" op "' needs a shell, and clan adds none (a command is split into words, as " \
	"compose does): write command = sh -c '...'>"

TEST(command_shell_syntax_is_refused)
{
	ARGV("npm install && npm start", NEEDS_SHELL("&&"));
	ARGV("a || b", NEEDS_SHELL("||"));
	ARGV("ls | wc -l", NEEDS_SHELL("|"));
	ARGV("a; b", NEEDS_SHELL(";"));
	ARGV("a ; b", NEEDS_SHELL(";"));
	ARGV("a > log", NEEDS_SHELL(">"));
	ARGV("a 2>&1", NEEDS_SHELL(">&"));
	ARGV("a < in", NEEDS_SHELL("<"));
	ARGV("a &", NEEDS_SHELL("&"));
	ARGV("echo `date`", NEEDS_SHELL("`"));
	ARGV("echo $(date)", NEEDS_SHELL("$("));
	ARGV("echo $HOME", NEEDS_SHELL("$HOME"));
	ARGV("echo x${HOME}", NEEDS_SHELL("${"));
	ARGV("[ -f x ] && echo y", NEEDS_SHELL("&&"));
	ARGV("exec python3 app.py --port=$PORT", NEEDS_SHELL("$PORT"));
}

/* Inside a word `| & ;` are no shell's business: compose passes them on */
TEST(command_operators_inside_a_word_are_literal)
{
	ARGV("curl -s http://web/?a=1&b=2", "curl|-s|http://web/?a=1&b=2");
	ARGV("tool --sep=a;b", "tool|--sep=a;b");
	ARGV("a&&b", "a&&b");
	ARGV("echo a;", NEEDS_SHELL(";"));
	ARGV("a&& b", NEEDS_SHELL("&&"));
	ARGV("x=1>y", NEEDS_SHELL(">"));
}

TEST(command_exec_form)
{
	ARGV("[\"python3\", \"app.py\", \"a b\"]", "python3|app.py|a b");
	ARGV("  [\"x\"]", "x");
	ARGV("[\"sh\", \"-c\", \"echo $HOME\"]", "sh|-c|echo $HOME");
	ARGV("[\"a\", 1]",
	     "<error: bad JSON array [\"a\", 1]: item 2 is not a string (or holds a NUL)>");
	ARGV("[\"a\"", "<error: bad JSON array [\"a\": ']' expected near end of file (e.g. "
		       "[\"python3\", \"app.py\"])>");
	ARGV("[]", "<error: no command in '[]'>");
}

TEST(command_errors)
{
	ARGV("echo 'open", "<error: unterminated quote in 'echo 'open'>");
	ARGV("echo \"open", "<error: unterminated quote in 'echo \"open'>");
	ARGV("echo \\", "<error: 'echo \\' ends with a lone backslash>");
	ARGV("   ", "<error: no command in '   '>");
	ARGV("sh -c \"a ; b", "<error: unterminated quote in 'sh -c \"a ; b'>");
	ARGV("sh -c 'a\"", "<error: unterminated quote in 'sh -c 'a\"'>");
}

/* A megabyte of words, and one word of a megabyte in quotes */
TEST(command_huge)
{
	size_t n = 1 << 20;
	char *text = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		text[i] = i % 2 ? ' ' : 'w';
	text[n] = '\0';
	struct strv v = {0};
	struct clan_err err;
	CHECK(words_parse_command(text, "command = ", &v, &err) == 0);
	CHECK(v.n == n / 2);
	strv_free(&v);
	memset(text, 'x', n);
	text[0] = '\'';
	text[n - 1] = '\'';
	CHECK(words_parse_command(text, "command = ", &v, &err) == 0);
	CHECK(v.n == 1 && strlen(v.v[0]) == n - 2);
	strv_free(&v);
	text[n - 1] = ';';
	CHECK(words_parse_command(text, "command = ", &v, &err) < 0);
	CHECK(strncmp(err.msg, "unterminated quote in ''xxx", 27) == 0);
	free(text);
}

TEST(host_names)
{
	static const char *const good[] = {"db", "db.local", "my_db", "a-b.c-d", "x1", "1x", "A"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		CHECK(cfg_is_host_name(good[i], strlen(good[i])));
	/* RFC 1123: a leading '-' (run's copy took it) or a trailing one
	 * (the stack's copy took it) in any label; empty labels; spaces */
	static const char *const bad[] = {"",	"-db", "db-", "a.-b", "a-.b", "a..b",
					  ".a", "a.",  "a b", "a:b",  "a/b",  "é"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK(!cfg_is_host_name(bad[i], strlen(bad[i])));
		if (cfg_is_host_name(bad[i], strlen(bad[i])))
			printf("#   took '%s'\n", bad[i]);
	}
	/* len bounds the name: "db" of "db:1.2.3.4" */
	CHECK(cfg_is_host_name("db:1.2.3.4", 2));
	/* a label of 63 is the most; 253 in all */
	char name[300];
	memset(name, 'a', 64);
	CHECK(!cfg_is_host_name(name, 64));
	CHECK(cfg_is_host_name(name, 63));
	for (size_t i = 0; i < sizeof name; i++)
		name[i] = i % 50 == 49 ? '.' : 'a';
	CHECK(cfg_is_host_name(name, 253));
	CHECK(!cfg_is_host_name(name, 254));
}

TEST(env_names)
{
	static const char *const good[] = {"PATH", "_x", "a.b-c", "spring.profiles.active",
					   "A:B",  "1A", "x[0]"};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		CHECK(cfg_is_env_name(good[i], strlen(good[i])));
	/* every white space, control characters and '=' (run's copy took
	 * "A\nB", the stack's took "A\x01B") */
	static const char *const bad[] = {"",
					  "A B",
					  "A\tB",
					  "A\nB",
					  "A\rB",
					  "A\vB",
					  "A=B",
					  "A\x01"
					  "B"};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(!cfg_is_env_name(bad[i], strlen(bad[i])));
	CHECK(cfg_is_env_name("K=V", 1));
}
