/* Unit tests for launcher/dotenv: docker compose's .env syntax, case by
 * case, interpolation inside it and where each error points. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/dotenv.h"
#include "tap.h"
#include "base/util.h"

/* The "shell": SHELLV=from-shell, OVER=shell-wins. */
static const char *shell(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "SHELLV") == 0)
		return "from-shell";
	if (strcmp(name, "OVER") == 0)
		return "shell-wins";
	return NULL;
}

static int parse(const char *text, struct dotenv *d, struct clan_err *err)
{
	struct interp_env env = {.lookup = shell};
	err->msg[0] = '\0';
	return dotenv_parse(text, "x.env", &env, d, err);
}

/* The value of key after parsing text ("<error: msg>" on failure). */
static char *value_of(const char *text, const char *key)
{
	struct dotenv d;
	struct clan_err err;
	if (parse(text, &d, &err) < 0)
		return xasprintf("<error: %s>", err.msg);
	const char *v = dotenv_get(&d, key);
	char *r = v ? xstrdup(v) : xstrdup("<unset>");
	dotenv_free(&d);
	return r;
}

#define VALUE(text, key, want)                    \
	do {                                      \
		char *got_ = value_of(text, key); \
		CHECK_STR(got_, want);            \
		free(got_);                       \
	} while (0)

#define FAILS(text, want)                          \
	do {                                       \
		struct dotenv d_;                  \
		struct clan_err e_;                \
		CHECK(parse(text, &d_, &e_) < 0);  \
		CHECK(e_.code == CLAN_EXIT_USAGE); \
		CHECK_STR(e_.msg, want);           \
	} while (0)

TEST(simple)
{
	VALUE("K=V", "K", "V");
	VALUE("K=V\n", "K", "V");
	VALUE("A=1\nB=2\n", "B", "2");
	VALUE("K=a=b=c", "K", "a=b=c");
	VALUE("K.dot-dash_1=x", "K.dot-dash_1", "x");
}

TEST(export_prefix)
{
	VALUE("export K=V", "K", "V");
	VALUE("export\tK=V", "K", "V");
	VALUE("  export   K=V", "K", "V");
	/* "export" alone, or as a key, is a key */
	VALUE("export=1", "export", "1");
	VALUE("exportK=1", "exportK", "1");
}

TEST(comments_and_blank_lines)
{
	const char *text = "# a comment\n\n   \n  # indented comment\nK=V\n\n#K=other\n";
	VALUE(text, "K", "V");
	struct dotenv d;
	struct clan_err err;
	CHECK(parse(text, &d, &err) == 0);
	CHECK(d.n == 1 && d.v[0].line == 5);
	dotenv_free(&d);
}

TEST(inline_comment_after_unquoted)
{
	VALUE("K=value # comment", "K", "value");
	/* compose cuts at " #" only: a tab before # keeps it (old: "value") */
	VALUE("K=value\t# comment", "K", "value\t# comment");
	/* no blank before #: part of the value */
	VALUE("K=a#b", "K", "a#b");
	VALUE("K=#notacomment", "K", "#notacomment");
	/* the blanks after = go first, so this # starts the value (old: "") */
	VALUE("K= # only a comment", "K", "# only a comment");
	VALUE("URL=http://x/#frag", "K", "<unset>");
	VALUE("URL=http://x/#frag", "URL", "http://x/#frag");
}

/* A # after a space, not after other characters; in an unquoted value
 * quotes are plain text, as in compose, so they protect nothing there. */
TEST(inline_comment_shared_rule_and_abuse)
{
	VALUE("K=a\v# c", "K", "a\v# c"); /* old: "a" */
	VALUE("K=a;b ; c", "K", "a;b ; c");
	VALUE("K=x \"a # b\"", "K", "x \"a");
	VALUE("K=it's # note", "K", "it's");
	VALUE("K=\"a # b\" # c", "K", "a # b");
	VALUE("K='a # b' # c", "K", "a # b");
	VALUE("K=\"a # b", "K", "<error: x.env:1: the double-quoted value has no closing \">");
	/* a NUL ends the text */
	VALUE("K=a # c\0\nJ=1\n", "J", "<unset>");
	/* a megabyte of value, marks without a blank before them */
	size_t n = 1 << 20;
	char *text = xmalloc(n + 16);
	memcpy(text, "K=", 2);
	for (size_t i = 0; i < n; i++)
		text[2 + i] = "a#;\"'"[i % 5];
	strcpy(text + 2 + n, " # end\n");
	char *got = value_of(text, "K");
	CHECK(strlen(got) == n && memcmp(got, text + 2, n) == 0);
	free(got);
	free(text);
}

TEST(empty_values)
{
	VALUE("K=", "K", "");
	VALUE("K=\nL=1", "K", "");
	VALUE("K=''", "K", "");
	VALUE("K=\"\"", "K", "");
	VALUE("K=   ", "K", "");
}

TEST(unquoted_trimmed)
{
	VALUE("K=   spaced out   ", "K", "spaced out");
	VALUE("K = V", "K", "V");
	VALUE("  K=V  ", "K", "V");
	VALUE("K=V\r\n", "K", "V");
	VALUE("K=a b  c", "K", "a b  c");
}

TEST(single_quotes_literal)
{
	VALUE("K='a b'", "K", "a b");
	VALUE("K='$SHELLV ${X:-y} \\n \"q\"'", "K", "$SHELLV ${X:-y} \\n \"q\"");
	VALUE("K='  kept  '", "K", "  kept  ");
	VALUE("K='a # b' # c", "K", "a # b");
	VALUE("K='line1\nline2'\nL=2", "K", "line1\nline2");
	VALUE("K='line1\nline2'\nL=2", "L", "2");
}

TEST(double_quotes_escapes)
{
	VALUE("K=\"a b\"", "K", "a b");
	VALUE("K=\"a\\nb\"", "K", "a\nb");
	VALUE("K=\"tab\\there\"", "K", "tab\there");
	VALUE("K=\"say \\\"hi\\\"\"", "K", "say \"hi\"");
	VALUE("K=\"back\\\\slash\"", "K", "back\\slash");
	VALUE("K=\"cost \\$5\"", "K", "cost $5");
	/* other escapes are kept as written, as a shell does */
	VALUE("K=\"\\d\\w\"", "K", "\\d\\w");
	VALUE("K=\"x # y\" # z", "K", "x # y");
}

TEST(double_quotes_multiline)
{
	const char *text = "K=\"first\nsecond\"\nL=after\n";
	VALUE(text, "K", "first\nsecond");
	struct dotenv d;
	struct clan_err err;
	CHECK(parse(text, &d, &err) == 0);
	CHECK(d.n == 2 && d.v[1].line == 3);
	dotenv_free(&d);
}

TEST(interpolation_unquoted_and_double_quoted)
{
	VALUE("K=$SHELLV", "K", "from-shell");
	VALUE("K=\"${SHELLV}!\"", "K", "from-shell!");
	VALUE("K=${NOPE:-dflt}", "K", "dflt");
	VALUE("K=$$literal", "K", "$literal");
	/* earlier keys of the file */
	VALUE("A=one\nB=${A}-two", "B", "one-two");
	VALUE("A=one\nB=\"$A two\"", "B", "one two");
	/* a later key is not known yet */
	VALUE("B=${A:-none}\nA=one", "B", "none");
}

TEST(interpolation_shell_beats_file)
{
	/* ${OVER} in the file sees the shell's value first (compose) */
	VALUE("OVER=file\nK=${OVER}", "K", "shell-wins");
	/* the key itself keeps the file's value: precedence between the shell
	 * and .env is the caller's (stack_load's lookup) */
	VALUE("OVER=file", "OVER", "file");
}

TEST(required_variable_in_dotenv)
{
	FAILS("A=1\nK=${NOPE:?set NOPE}", "x.env:2: NOPE: set NOPE");
}

TEST(key_alone_takes_the_shell_value)
{
	VALUE("SHELLV", "SHELLV", "from-shell");
	VALUE("export SHELLV\n", "SHELLV", "from-shell");
	VALUE("NOPE\nK=1", "NOPE", "<unset>");
	/* compose: # is no key character, so a comment after a KEY alone is an
	 * error (old: took the shell's value) */
	VALUE("SHELLV # from the shell", "SHELLV",
	      "<error: x.env:1: expected KEY=VALUE, got 'SHELLV # from the shell' (a key is "
	      "letters, digits, _ . - [ ])>");
}

TEST(later_key_replaces_in_place)
{
	struct dotenv d;
	struct clan_err err;
	CHECK(parse("A=1\nB=2\nA=3\n", &d, &err) == 0);
	CHECK(d.n == 2);
	CHECK_STR(d.v[0].key, "A");
	CHECK_STR(d.v[0].value, "3");
	CHECK(d.v[0].line == 3);
	dotenv_free(&d);
}

TEST(bom_is_skipped)
{
	VALUE("\xef\xbb\xbfK=V", "K", "V");
}

TEST(errors_name_file_and_line)
{
	FAILS("A=1\nK V=2",
	      "x.env:2: expected KEY=VALUE, got 'K V=2' (a key is letters, digits, _ . - [ ])");
	FAILS("=v", "x.env:1: expected KEY=VALUE, got '=v' (a key is letters, digits, _ . - [ ])");
	FAILS("A=1\n\nK='open", "x.env:3: the single-quoted value has no closing '");
	FAILS("K=\"open\nmore", "x.env:1: the double-quoted value has no closing \"");
	FAILS("K='a' b",
	      "x.env:1: unexpected 'b' after the closing quote (a comment starts with #)");
	FAILS("K=\"a\"b",
	      "x.env:1: unexpected 'b' after the closing quote (a comment starts with #)");
	FAILS("K#x=1",
	      "x.env:1: expected KEY=VALUE, got 'K#x=1' (a key is letters, digits, _ . - [ ])");
	FAILS("K=${", "x.env:1: bad interpolation '${': no variable name");
	/* a line after a multi-line value */
	FAILS("K=\"a\nb\"\n!",
	      "x.env:3: expected KEY=VALUE, got '!' (a key is letters, digits, _ . - [ ])");
}

TEST(no_outer_environment)
{
	struct dotenv d;
	struct clan_err err;
	CHECK(dotenv_parse("A=${X:-d}\nB\n", "f", NULL, &d, &err) == 0);
	CHECK(d.n == 1);
	CHECK_STR(dotenv_get(&d, "A"), "d");
	CHECK(dotenv_get(&d, "B") == NULL);
	dotenv_free(&d);
}
