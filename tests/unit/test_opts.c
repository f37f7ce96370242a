/* Unit tests for launcher/cli/opts: one parser for every command, its
 * help from the table, options among operands as compose takes them. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/opts.h"
#include "tap.h"

enum { OPT_F = 1, OPT_TAIL, OPT_T, OPT_NOCOLOR };

static const struct opt_def logs_opts[] = {
    {"follow", 'f', NULL, "keep printing new lines", OPT_F},
    {"tail", 'n', "N", "the last N lines\nof each service", OPT_TAIL},
    {"timestamps", 't', NULL, "the time in front", OPT_T},
    {"no-color", 0, NULL, "no colours", OPT_NOCOLOR},
    {"colour", 0, NULL, NULL, OPT_NOCOLOR},
    {0},
};

static const struct opt_cmd logs = {
    .name = "logs",
    .operands = "[SERVICE...]",
    .about = "The logs.\n",
    .opts = logs_opts,
};

static const struct opt_def exec_opts[] = {
    {"tty", 't', NULL, "allocate a terminal", OPT_T},
    {"no-TTY", 'T', NULL, "no terminal", OPT_NOCOLOR},
    {"user", 'u', "USER", "run as USER", OPT_TAIL},
    {0},
};

static const struct opt_cmd exec = {
    .name = "exec", .operands = "SERVICE CMD...", .opts = exec_opts, .opts_end_at = 2};

/* What the callback saw: "id=value" or "id", one a word. */
struct seen {
	char text[256];
	int fail_on; /* an id whose callback fails */
};

static int record(void *arg, int id, const char *v, struct clan_err *err)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);
	snprintf(s->text + n, sizeof s->text - n, "%s%d%s%s", n ? " " : "", id, v ? "=" : "",
		 v ? v : "");
	if (id == s->fail_on)
		return clan_error_code(err, CLAN_EXIT_FAIL, "callback said no to %d", id);
	return 0;
}

/* "a|b|c": the operands joined. */
static void join(const struct strv *ops, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < ops->n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? "|" : "", ops->v[i]);
}

struct result {
	int rc;
	struct seen seen;
	char ops[256];
	char out[4096]; /* what went to stdout */
	struct clan_err err;
};

/* Parses a NULL-terminated argv with stdout captured. */
static struct result parse(const struct opt_cmd *cmd, const char *const *argv)
{
	struct result r = {0};
	struct strv ops = {0};
	int argc = 0;
	while (argv[argc])
		argc++;
	char path[] = "/tmp/test_opts.XXXXXX";
	int fd = mkstemp(path);
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	r.rc = opts_parse(cmd, argc, (char **)argv, record, &r.seen, &ops, &r.err);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	ssize_t n = pread(fd, r.out, sizeof r.out - 1, 0);
	r.out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	join(&ops, r.ops, sizeof r.ops);
	strv_free(&ops);
	return r;
}

#define PARSE(cmd, ...) parse(cmd, (const char *const[]){__VA_ARGS__, NULL})

/* opts_usage's text; free it. */
static char *usage_text(const struct opt_cmd *cmd)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	opts_usage(cmd, f);
	fclose(f);
	return text;
}

TEST(help_from_the_table)
{
	char *text = usage_text(&logs);
	CHECK_STR(text, "usage: clan logs [OPTIONS] [SERVICE...]\n"
			"\n"
			"The logs.\n"
			"\n"
			"Options:\n"
			"  -f, --follow      keep printing new lines\n"
			"  -n, --tail N      the last N lines\n"
			"                    of each service\n"
			"  -t, --timestamps  the time in front\n"
			"      --no-color    no colours\n"
			"  -h, --help        this text\n");
	free(text);
}

TEST(help_of_a_command_without_options)
{
	static const struct opt_cmd stop = {.name = "stop", .operands = "[SERVICE...]"};
	char *text = usage_text(&stop);
	CHECK_STR(text, "usage: clan stop [SERVICE...]\n\nOptions:\n  -h, --help  this text\n");
	free(text);
}

/* a name too wide for the column puts its help on the next line */
TEST(help_of_a_wide_option)
{
	static const struct opt_def defs[] = {
	    {"rm", 0, NULL, "remove it", 1},
	    {"security-opt", 0, "seccomp=unconfined|FILE", "no filter", 2},
	    {0},
	};
	static const struct opt_cmd run = {.name = "run", .operands = "IMAGE", .opts = defs};
	char *text = usage_text(&run);
	CHECK_STR(text, "usage: clan run [OPTIONS] IMAGE\n"
			"\n"
			"Options:\n"
			"      --rm    remove it\n"
			"      --security-opt seccomp=unconfined|FILE\n"
			"              no filter\n"
			"  -h, --help  this text\n");
	free(text);
}

TEST(help_is_printed_and_says_so)
{
	struct result r = PARSE(&logs, "logs", "-f", "--help", "--bogus");
	CHECK(r.rc == OPTS_HELP);
	CHECK(strncmp(r.out, "usage: clan logs [OPTIONS] [SERVICE...]\n", 40) == 0);
	CHECK(strstr(r.out, "  -h, --help        this text\n"));
	r = PARSE(&logs, "logs", "db", "-fh");
	CHECK(r.rc == OPTS_HELP);
	CHECK(strstr(r.out, "usage: clan logs") == r.out);
	/* after --, -h is an operand */
	r = PARSE(&logs, "logs", "--", "-h");
	CHECK(r.rc == 0);
	CHECK_STR(r.ops, "-h");
	CHECK_STR(r.out, "");
}

TEST(unknown_option)
{
	struct result r = PARSE(&logs, "logs", "--bogus");
	CHECK(r.rc == -1 && r.err.code == CLAN_EXIT_USAGE);
	CHECK_STR(r.err.msg, "logs: unknown flag '--bogus' (see clan logs --help)");
	r = PARSE(&logs, "logs", "--bogus=1");
	CHECK_STR(r.err.msg, "logs: unknown flag '--bogus' (see clan logs --help)");
	/* no prefix matching */
	r = PARSE(&logs, "logs", "--fol");
	CHECK_STR(r.err.msg, "logs: unknown flag '--fol' (see clan logs --help)");
	r = PARSE(&logs, "logs", "-fx");
	CHECK(r.rc == -1 && r.err.code == CLAN_EXIT_USAGE);
	CHECK_STR(r.err.msg, "logs: unknown flag '-x' (see clan logs --help)");
	CHECK_STR(r.seen.text, "1");
	r = PARSE(&logs, "logs", "---");
	CHECK_STR(r.err.msg, "logs: unknown flag '---' (see clan logs --help)");
	/* --help=x is not help */
	r = PARSE(&logs, "logs", "--help=x");
	CHECK(r.rc == -1 && r.err.code == CLAN_EXIT_USAGE);
}

TEST(missing_and_unwanted_values)
{
	struct result r = PARSE(&logs, "logs", "--tail");
	CHECK(r.rc == -1 && r.err.code == CLAN_EXIT_USAGE);
	CHECK_STR(r.err.msg, "logs: flag '--tail' needs a value");
	r = PARSE(&logs, "logs", "db", "-n");
	CHECK(r.rc == -1 && r.err.code == CLAN_EXIT_USAGE);
	CHECK_STR(r.err.msg, "logs: flag '-n' needs a value");
	r = PARSE(&logs, "logs", "--follow=yes");
	CHECK(r.rc == -1 && r.err.code == CLAN_EXIT_USAGE);
	CHECK_STR(r.err.msg, "logs: flag '--follow' takes no value");
}

TEST(values_in_every_spelling)
{
	struct result r = PARSE(&logs, "logs", "--tail=5", "--tail", "6", "-n7", "-n", "8", "-fn9",
				"--tail=", "--colour");
	CHECK(r.rc == 0);
	CHECK_STR(r.seen.text, "2=5 2=6 2=7 2=8 1 2=9 2= 4");
	CHECK_STR(r.ops, "");
	/* a value may look like an option */
	r = PARSE(&logs, "logs", "--tail", "--follow", "-n", "-f");
	CHECK_STR(r.seen.text, "2=--follow 2=-f");
}

/* compose's `logs db --tail 5`: options among the operands */
TEST(options_after_operands)
{
	struct result r = PARSE(&logs, "logs", "db", "--tail", "5", "web", "-ft");
	CHECK(r.rc == 0);
	CHECK_STR(r.seen.text, "2=5 1 3");
	CHECK_STR(r.ops, "db|web");
	/* a lone - is an operand */
	r = PARSE(&logs, "logs", "-", "-f");
	CHECK_STR(r.ops, "-");
	CHECK_STR(r.seen.text, "1");
}

/* `exec db -T psql -x`: -T before the command is exec's, -x is the
 * command's */
TEST(exec_options_until_the_command)
{
	struct result r = PARSE(&exec, "exec", "db", "-T", "psql", "-x", "--tty", "--", "-u");
	CHECK(r.rc == 0);
	CHECK_STR(r.seen.text, "4");
	CHECK_STR(r.ops, "db|psql|-x|--tty|--|-u");
	r = PARSE(&exec, "exec", "-t", "db", "-u", "postgres", "psql", "-t");
	CHECK_STR(r.seen.text, "3 2=postgres");
	CHECK_STR(r.ops, "db|psql|-t");
	/* --help after the command's first word is the command's */
	r = PARSE(&exec, "exec", "db", "sh", "--help");
	CHECK(r.rc == 0);
	CHECK_STR(r.ops, "db|sh|--help");
	CHECK_STR(r.out, "");
}

TEST(double_dash_ends_options)
{
	struct result r = PARSE(&logs, "logs", "-f", "--", "--tail", "5", "--");
	CHECK(r.rc == 0);
	CHECK_STR(r.seen.text, "1");
	CHECK_STR(r.ops, "--tail|5|--");
	/* a second -- after the first is an operand; and with exec's rule */
	r = PARSE(&exec, "exec", "--", "-t", "ls");
	CHECK_STR(r.ops, "-t|ls");
	CHECK_STR(r.seen.text, "");
}

TEST(clusters)
{
	struct result r = PARSE(&exec, "exec", "-tT", "-tupostgres", "db", "ls");
	CHECK(r.rc == 0);
	CHECK_STR(r.seen.text, "3 4 3 2=postgres");
	r = PARSE(&exec, "exec", "-tu", "root", "db", "ls");
	CHECK_STR(r.seen.text, "3 2=root");
	CHECK_STR(r.ops, "db|ls");
}

TEST(a_callback_error_stops_the_parse)
{
	struct seen s = {.fail_on = OPT_T};
	struct strv ops = {0};
	struct clan_err err = {0};
	const char *argv[] = {"logs", "db", "-f", "-t", "-n", "3", "web", NULL};
	CHECK(opts_parse(&logs, 7, (char **)argv, record, &s, &ops, &err) == -1);
	CHECK(err.code == CLAN_EXIT_FAIL);
	CHECK_STR(err.msg, "callback said no to 3");
	CHECK_STR(s.text, "1 3");
	strv_free(&ops);
}

TEST(flag_bits)
{
	unsigned bits = 0;
	struct strv ops = {0};
	struct clan_err err;
	const char *argv[] = {"logs", "-t", "x", "--no-color", NULL};
	CHECK(opts_parse(&logs, 4, (char **)argv, opts_flag_bits, &bits, &ops, &err) == 0);
	CHECK(bits == (OPT_BIT(OPT_T) | OPT_BIT(OPT_NOCOLOR)));
	CHECK(ops.n == 1);
	strv_free(&ops);
}

TEST(no_operands)
{
	struct strv ops = {0};
	struct clan_err err = {0};
	CHECK(opts_no_operands(&logs, &ops, &err) == 0);
	strv_push(&ops, "x");
	strv_push(&ops, "y");
	CHECK(opts_no_operands(&logs, &ops, &err) == -1);
	CHECK(err.code == CLAN_EXIT_USAGE);
	CHECK_STR(err.msg, "logs: unexpected argument 'x' (see clan logs --help)");
	strv_free(&ops);
}
