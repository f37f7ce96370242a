/* Unit tests for launcher/interp: compose's ${VAR} interpolation, case by
 * case, with its errors and the unset-variable warnings. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/interp.h"
#include "tap.h"
#include "base/util.h"

/* A fixed environment: SET=value, EMPTY="", PATHV=/a/b. */
static const char *lookup(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "SET") == 0)
		return "value";
	if (strcmp(name, "EMPTY") == 0)
		return "";
	if (strcmp(name, "PATHV") == 0)
		return "/a/b";
	return NULL;
}

/* Expands text; returns the result (caller frees) or NULL with err set. */
static char *expand(const char *text, struct interp_warnings *w, struct clan_err *err)
{
	struct interp_env env = {.lookup = lookup, .warn = w};
	char *out = NULL;
	err->msg[0] = '\0';
	err->code = 0;
	if (interp_expand(&env, text, "f.rc", 7, &out, err) < 0)
		return NULL;
	return out;
}

#define EXPANDS(text, want)                            \
	do {                                           \
		struct clan_err e_;                    \
		char *got_ = expand(text, NULL, &e_);  \
		CHECK_STR(got_ ? got_ : e_.msg, want); \
		free(got_);                            \
	} while (0)

#define FAILS(text, want_msg)                         \
	do {                                          \
		struct clan_err e_;                   \
		char *got_ = expand(text, NULL, &e_); \
		CHECK(got_ == NULL);                  \
		CHECK(e_.code == CLAN_EXIT_USAGE);    \
		CHECK_STR(e_.msg, want_msg);          \
		free(got_);                           \
	} while (0)

TEST(plain_text_unchanged)
{
	EXPANDS("", "");
	EXPANDS("hello world", "hello world");
	EXPANDS("a}b{c", "a}b{c");
}

TEST(dollar_name)
{
	EXPANDS("$SET", "value");
	EXPANDS("x$SET.y", "xvalue.y");
	EXPANDS("$PATHV/c", "/a/b/c");
	EXPANDS("$SET$SET", "valuevalue");
	/* the name is the longest run of [A-Za-z0-9_] */
	EXPANDS("$SET_x", "");
}

TEST(braced)
{
	EXPANDS("${SET}", "value");
	EXPANDS("${SET}_x", "value_x");
	EXPANDS("pre${PATHV}post", "pre/a/bpost");
}

TEST(double_dollar_is_a_literal_dollar)
{
	EXPANDS("$$", "$");
	EXPANDS("$$SET", "$SET");
	EXPANDS("$${SET}", "${SET}");
	EXPANDS("a$$$SET", "a$value");
	EXPANDS("pg_isready -U $$POSTGRES_USER", "pg_isready -U $POSTGRES_USER");
}

TEST(lone_dollar_stays)
{
	/* as compose: a $ not followed by a name, { or $ is kept */
	EXPANDS("$", "$");
	EXPANDS("cost: 5$", "cost: 5$");
	EXPANDS("echo $1 $-", "echo $1 $-");
	EXPANDS("a $ b", "a $ b");
}

TEST(default_colon_dash)
{
	EXPANDS("${UNSET:-dflt}", "dflt");
	EXPANDS("${EMPTY:-dflt}", "dflt");
	EXPANDS("${SET:-dflt}", "value");
	EXPANDS("${UNSET:-}", "");
	EXPANDS("${UNSET:-a b c}", "a b c");
	EXPANDS("${UNSET:-8000}:80", "8000:80");
}

TEST(default_dash)
{
	EXPANDS("${UNSET-dflt}", "dflt");
	/* set but empty: the empty value stays */
	EXPANDS("${EMPTY-dflt}", "");
	EXPANDS("${SET-dflt}", "value");
}

TEST(alternative_plus)
{
	EXPANDS("${SET:+alt}", "alt");
	EXPANDS("${EMPTY:+alt}", "");
	EXPANDS("${UNSET:+alt}", "");
	EXPANDS("${EMPTY+alt}", "alt");
	EXPANDS("${UNSET+alt}", "");
}

TEST(nested_defaults)
{
	EXPANDS("${UNSET:-${SET}}", "value");
	EXPANDS("${UNSET:-${ALSO_UNSET:-deep}}", "deep");
	EXPANDS("${UNSET:-$SET/x}", "value/x");
	EXPANDS("${UNSET:-$$}", "$");
	/* the operand ends at the first } that is not a nested one's */
	EXPANDS("${UNSET:-a}b}", "ab}");
}

TEST(required_colon_question)
{
	FAILS("${UNSET:?set it in .env}", "f.rc:7: UNSET: set it in .env");
	FAILS("${EMPTY:?must not be empty}", "f.rc:7: EMPTY: must not be empty");
	FAILS("x ${UNSET:?}", "f.rc:7: UNSET: is not set (set it in the shell or in .env)");
	FAILS("${EMPTY:?}", "f.rc:7: EMPTY: is empty (set it in the shell or in .env)");
	EXPANDS("${SET:?never}", "value");
	/* the message is interpolated too */
	FAILS("${UNSET:?need it, not $SET}", "f.rc:7: UNSET: need it, not value");
}

TEST(required_question)
{
	FAILS("${UNSET?gone}", "f.rc:7: UNSET: gone");
	/* set but empty passes without the colon */
	EXPANDS("${EMPTY?gone}", "");
	EXPANDS("${SET?gone}", "value");
}

TEST(unused_operand_is_still_evaluated)
{
	/* as compose-go, which expands an operand before it looks at the
	 * variable: an unused default fails and warns as a used one */
	struct interp_warnings w = {0};
	struct clan_err err;
	char *v = expand("${SET:-${UNSET:?boom}}", &w, &err);
	CHECK(v == NULL);
	CHECK_STR(err.msg, "f.rc:7: UNSET: boom");
	v = expand("${SET:-$NOPE}", &w, &err);
	CHECK_STR(v, "value");
	CHECK(w.msgs.n == 1);
	free(v);
	interp_warnings_free(&w);
}

TEST(malformed)
{
	FAILS("${", "f.rc:7: bad interpolation '${': no variable name");
	FAILS("${}", "f.rc:7: bad interpolation '${}': no variable name");
	FAILS("${SET", "f.rc:7: bad interpolation '${SET': missing '}'");
	FAILS("${1X}", "f.rc:7: bad interpolation '${1X}': a name starts with a letter or _");
	FAILS("${SET x}",
	      "f.rc:7: bad interpolation '${SET x}': expected }, :-, -, :?, ?, :+ or + after the "
	      "name");
	FAILS("${SET:x}",
	      "f.rc:7: bad interpolation '${SET:x}': expected }, :-, -, :?, ?, :+ or + after the "
	      "name");
	FAILS("${UNSET:-abc", "f.rc:7: bad interpolation '${UNSET:-abc': missing '}' on its line");
	/* the operand runs to the last '}' (compose): here "${X", unclosed */
	FAILS("${UNSET:-${X}", "f.rc:7: bad interpolation '${X': missing '}'");
	FAILS("${UNSET:-a\nb}",
	      "f.rc:7: bad interpolation '${UNSET:-a\nb}': missing '}' on its line");
}

TEST(too_deep)
{
	/* 100 closed levels: compose would expand them, we stop at 64 */
	char text[100 * 6 + 100 + 1] = "";
	for (int i = 0; i < 100; i++)
		strcat(text, "${A:-");
	for (int i = 0; i < 100; i++)
		strcat(text, "}");
	struct clan_err err;
	char *v = expand(text, NULL, &err);
	CHECK(!v);
	CHECK(strstr(err.msg, "nested too deeply") != NULL);
	/* 60 levels expand */
	text[0] = '\0';
	for (int i = 0; i < 60; i++)
		strcat(text, "${A:-");
	strcat(text, "x");
	for (int i = 0; i < 60; i++)
		strcat(text, "}");
	v = expand(text, NULL, &err);
	CHECK_STR(v, "x");
	free(v);
}

TEST(unset_warns_once_per_name)
{
	struct interp_warnings w = {0};
	struct clan_err err;
	char *v = expand("$NOPE ${NOPE} $OTHER", &w, &err);
	CHECK_STR(v, "  ");
	free(v);
	v = expand("${NOPE}", &w, &err);
	CHECK_STR(v, "");
	free(v);
	CHECK(w.msgs.n == 2);
	CHECK_STR(w.msgs.v[0],
		  "f.rc:7: the \"NOPE\" variable is not set, defaulting to a blank string");
	CHECK_STR(w.msgs.v[1],
		  "f.rc:7: the \"OTHER\" variable is not set, defaulting to a blank string");
	/* a default or an empty value is no reason to warn */
	v = expand("${X:-d}${EMPTY}${Y-d}", &w, &err);
	CHECK_STR(v, "dd");
	CHECK(w.msgs.n == 2);
	free(v);
	interp_warnings_free(&w);
}

TEST(no_lookup_means_everything_unset)
{
	struct interp_env env = {0};
	struct clan_err err;
	char *out = NULL;
	CHECK(interp_expand(&env, "a${X:-b}$Y", "f", 1, &out, &err) == 0);
	CHECK_STR(out, "ab");
	free(out);
}
