/* Unit tests for the Dockerfile parser: BuildKit's own parser test files
 * (tests/build/buildkit, sources in tests/build/SOURCES.md) printed in
 * BuildKit's dump form and compared, then the rules one at a time and the
 * refusals. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "build/dockerfile.h"
#include "tap.h"

/* Go's strconv.Quote for the ASCII BuildKit's files hold. */
static void quote(struct strbuf *b, const char *s)
{
	strbuf_addc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\') {
			strbuf_addc(b, '\\');
			strbuf_addc(b, *s);
		} else if (*s == '\t') {
			strbuf_adds(b, "\\t");
		} else if (*s == '\n') {
			strbuf_adds(b, "\\n");
		} else {
			strbuf_addc(b, *s);
		}
	}
	strbuf_addc(b, '"');
}

static void dump_instr(struct strbuf *b, const struct df_instr *in)
{
	strbuf_adds(b, in->cmd);
	if (in->flags.n) {
		strbuf_adds(b, " [");
		for (size_t i = 0; i < in->flags.n; i++) {
			if (i)
				strbuf_addc(b, ' ');
			quote(b, in->flags.v[i]);
		}
		strbuf_addc(b, ']');
	}
	if (in->sub) {
		strbuf_adds(b, " (");
		dump_instr(b, in->sub);
		strbuf_addc(b, ')');
	}
	for (size_t i = 0; i < in->args.n; i++) {
		strbuf_addc(b, ' ');
		quote(b, in->args.v[i]);
	}
}

/* BuildKit's Dump: one "(...)" a line. */
static char *dump(const struct dockerfile *d)
{
	struct strbuf b = {0};
	for (size_t i = 0; i < d->n; i++) {
		strbuf_addc(&b, '(');
		dump_instr(&b, &d->v[i]);
		strbuf_adds(&b, ")\n");
	}
	return strbuf_steal(&b);
}

static char *parse_dump(const char *text, struct clan_err *err)
{
	struct dockerfile d;
	if (dockerfile_parse(text, strlen(text), "Dockerfile", &d, err) < 0)
		return NULL;
	char *s = dump(&d);
	dockerfile_free(&d);
	return s;
}

TEST(buildkit_testfiles)
{
	static const char *const cases[] = {"docker", "health", "influxdb"};
	const char *root = getenv("CLAN_TEST_ROOT");
	_cleanup_free_ char *probe =
	    xasprintf("%s/tests/build/buildkit/health/result", root ? root : ".");
	if (access(probe, R_OK) < 0)
		SKIP("BuildKit's test files are not visible here: set CLAN_TEST_ROOT to the source "
		     "tree");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct clan_err err = {0};
		_cleanup_free_ char *dir =
		    xasprintf("%s/tests/build/buildkit/%s", root ? root : ".", cases[i]);
		_cleanup_free_ char *df = xasprintf("%s/Dockerfile", dir);
		_cleanup_free_ char *res = xasprintf("%s/result", dir);
		_cleanup_free_ char *text = NULL, *want = NULL;
		CHECK(read_file(df, 1 << 20, &text, &err) == 0);
		CHECK(read_file(res, 1 << 20, &want, &err) == 0);
		_cleanup_free_ char *got = text ? parse_dump(text, &err) : NULL;
		if (!got || !want || strcmp(got, want) != 0) {
			printf("# %s: got:\n%s# want:\n%s# (%s)\n", cases[i], got ? got : "",
			       want ? want : "", err.msg);
			CHECK(!"the dump");
		}
	}
}

TEST(rules)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    /* flags before the arguments, `--name value` joined, `--` ends them */
	    {"COPY --from=build --chown 1000:1000 a b /c/\n",
	     "(copy [\"--from=build\" \"--chown=1000:1000\"] \"a\" \"b\" \"/c/\")\n"},
	    {"RUN -- --not-a-flag\n", "(run \"--not-a-flag\")\n"},
	    {"RUN --mount=type=cache,target=/root/.cache pip install x\n",
	     "(run [\"--mount=type=cache,target=/root/.cache\"] \"pip install x\")\n"},
	    /* exec form only for a JSON array of strings */
	    {"CMD [\"python3\", \"-m\", \"http.server\"]\n",
	     "(cmd \"python3\" \"-m\" \"http.server\")\n"},
	    {"CMD [not json]\n", "(cmd \"[not json]\")\n"},
	    {"ENTRYPOINT [\"a\"] trailing\n", "(entrypoint \"[\\\"a\\\"] trailing\")\n"},
	    {"COPY [\"a b\", \"/c\"]\n", "(copy \"a b\" \"/c\")\n"},
	    /* ENV and LABEL, both forms; quotes stay for the build to undo */
	    {"ENV A=1 B=\"two words\"\n", "(env \"A\" \"1\" \"B\" \"\\\"two words\\\"\")\n"},
	    {"ENV LEGACY some value\n", "(env \"LEGACY\" \"some value\")\n"},
	    {"LABEL a=b c=\n", "(label \"a\" \"b\" \"c\" \"\")\n"},
	    {"ARG VERSION=1.0 OTHER\n", "(arg \"VERSION=1.0\" \"OTHER\")\n"},
	    /* continuation: comments and blank lines inside are dropped */
	    {"RUN a \\\n# a comment\n\n  b\n", "(run \"a   b\")\n"},
	    /* CRLF, a byte-order mark, case */
	    {"\xEF\xBB\xBF"
	     "from debian\r\nrun true\r\n",
	     "(from \"debian\")\n(run \"true\")\n"},
	    /* ONBUILD holds one instruction */
	    {"ONBUILD RUN make\n", "(onbuild (run \"make\"))\n"},
	    /* the escape directive, and a directive after a comment is a comment */
	    {"# escape=`\nRUN a `\n  b\n", "(run \"a   b\")\n"},
	    {"# a comment\n# escape=`\nRUN a \\\n b\n", "(run \"a  b\")\n"},
	    {"# syntax=docker/dockerfile:1\nFROM x\n", "(from \"x\")\n"},
	    /* an unknown instruction is kept, without arguments */
	    {"FROM x\nFOO bar\n", "(from \"x\")\n(foo)\n"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct clan_err err = {0};
		_cleanup_free_ char *got = parse_dump(cases[i].text, &err);
		if (!got || strcmp(got, cases[i].want) != 0) {
			printf("# case %zu: got  %s# want %s# (%s)\n", i, got ? got : "(null)\n",
			       cases[i].want, err.msg);
			CHECK(!"the dump");
		}
	}
}

TEST(lines_and_warnings)
{
	struct clan_err err = {0};
	struct dockerfile d;
	const char *text = "FROM x\n\nRUN a \\\n\n  b\nCMD c\n";
	CHECK(dockerfile_parse(text, strlen(text), "Dockerfile", &d, &err) == 0);
	CHECK(d.n == 3 && d.v[1].line == 3 && d.v[1].end_line == 5 && d.v[2].line == 6);
	CHECK(d.warnings.n == 1 && strstr(d.warnings.v[0], "Dockerfile:3: empty continuation"));
	dockerfile_free(&d);
}

TEST(refusals)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
	    {"", "Dockerfile: the file has no instructions"},
	    {"# only a comment\n\n", "Dockerfile: the file has no instructions"},
	    {"FROM x\nCMD [\"a\", 1]\n",
	     "Dockerfile:2: when using JSON array syntax, arrays must be made of strings only"},
	    {"FROM x\nENV ONLYKEY\n", "Dockerfile:2: ENV must have two arguments"},
	    {"FROM x\nLABEL a=b c\n",
	     "Dockerfile:2: syntax error - can't find = in \"c\"; it must be of the form "
	     "name=value"},
	    {"# escape=x\nFROM x\n",
	     "Dockerfile:1: invalid escape token 'x' does not match ` or \\"},
	    {"FROM x\nONBUILD ONBUILD RUN x\n",
	     "Dockerfile:2: chaining ONBUILD via ONBUILD ONBUILD isn't allowed"},
	    {"# escape=`\n# escape=\\\nFROM x\n",
	     "Dockerfile:2: only one escape parser directive can be used"},
	    {"FROM x\nRUN <<EOF\necho\n",
	     "Dockerfile:2: the heredoc <<EOF has no line EOF to end it"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct clan_err err = {0};
		struct dockerfile d;
		int r =
		    dockerfile_parse(cases[i].text, strlen(cases[i].text), "Dockerfile", &d, &err);
		CHECK(r < 0 && err.code == CLAN_EXIT_USAGE);
		if (r == 0 || strcmp(err.msg, cases[i].msg) != 0) {
			printf("# case %zu: got  '%s'\n#   want '%s'\n", i, err.msg, cases[i].msg);
			CHECK(!"message");
		}
		if (r == 0)
			dockerfile_free(&d);
	}
}

/* Text need not end in a NUL: a parse of a prefix reads nothing past it. */
TEST(prefix_only)
{
	const char *text = "FROM x\nRUN true\nCMD never";
	struct clan_err err = {0};
	struct dockerfile d;
	size_t len = strlen("FROM x\nRUN true\n");
	CHECK(dockerfile_parse(text, len, "Dockerfile", &d, &err) == 0);
	CHECK(d.n == 2);
	dockerfile_free(&d);
}

TEST(heredocs)
{
	static const char text[] = "FROM x\n"
				   "RUN <<EOF\n"
				   "echo a\n"
				   "  EOF not yet\n"
				   "EOF\n"
				   "RUN cat <<-\"A\" >f && <<'B' cat >>f\n"
				   "\tx $HOME\n"
				   "\tA\n"
				   "y\n"
				   "B\n"
				   "RUN echo \"<<NOT\" a<<NOT\n"
				   "COPY <<file.txt /dst\n"
				   "content\n"
				   "file.txt\n"
				   "CMD <<EOF\n";
	struct clan_err err = {0};
	struct dockerfile d;
	CHECK(dockerfile_parse(text, strlen(text), "Dockerfile", &d, &err) == 0);
	CHECK(d.n == 6);
	CHECK(d.v[1].heredocs.n == 1);
	CHECK_STR(d.v[1].heredoc_names.v[0], "EOF");
	CHECK_STR(d.v[1].heredocs.v[0], "echo a\n  EOF not yet\n");
	CHECK(d.v[1].line == 2 && d.v[1].end_line == 5);
	CHECK(d.v[1].heredoc_quoted == 0);
	CHECK(d.v[2].heredocs.n == 2);
	CHECK(d.v[2].heredoc_quoted == 3); /* <<-"A" and <<'B' */
	CHECK_STR(d.v[2].heredocs.v[0], "x $HOME\n");
	CHECK_STR(d.v[2].heredoc_names.v[1], "B");
	CHECK_STR(d.v[2].heredocs.v[1], "y\n");
	CHECK(d.v[3].heredocs.n == 0); /* quoted, or not at a word's start */
	CHECK_STR(d.v[4].heredocs.v[0], "content\n");
	CHECK(d.v[4].line == 12 && d.v[5].line == 15);
	CHECK(d.v[5].heredocs.n == 0); /* CMD has none */
	dockerfile_free(&d);
}
