/* compose-go's own .env tests, translated into tables: the values docker
 * compose v2 reads from a .env, and the inputs it refuses. Source:
 * github.com/compose-spec/compose-go (Apache-2.0), dotenv/godotenv_test.go
 * at commit dc96d82db88fe85d7ece2357d6dbbff2d9ed444b (TestParsing,
 * TestExpanding, TestUnterminatedQuotes, TestLinesToIgnore,
 * TestSubstitutions*, TestDash, TestVariableStringValueSeparator) and
 * its fixtures dotenv/fixtures/quoted.env (commit 0621f175...) and
 * substitutions-default.env (commit 748d5315...), inlined below. Where
 * clan differs on purpose, the row says so. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/dotenv.h"
#include "tap.h"
#include "base/util.h"

/* The shell of a case: NULL, or "K=V" pairs separated by \n. */
static const char *shell_lookup(void *arg, const char *name)
{
	static char buf[256];
	const char *s = arg;
	size_t n = strlen(name);
	for (; s && *s; s += strcspn(s, "\n"), s += *s == '\n') {
		if (strncmp(s, name, n) == 0 && s[n] == '=') {
			size_t len = strcspn(s + n + 1, "\n");
			snprintf(buf, sizeof buf, "%.*s", (int)len, s + n + 1);
			return buf;
		}
	}
	return NULL;
}

/* The value of key after parsing text with that shell; "<error>" when the
 * text is refused, "<unset>" when the key is not set. */
static char *value_in(const char *shell, const char *text, const char *key)
{
	struct interp_env env = {.lookup = shell_lookup, .arg = (void *)shell};
	struct dotenv d;
	struct clan_err err;
	if (dotenv_parse(text, "c.env", &env, &d, &err) < 0)
		return xstrdup("<error>");
	const char *v = dotenv_get(&d, key);
	char *r = xstrdup(v ? v : "<unset>");
	dotenv_free(&d);
	return r;
}

struct row {
	const char *text, *key, *want;
};

/* Each row; a failed one names its index in the table. */
static void check_rows(int *tap_failed, const char *shell, const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *got = value_in(shell, rows[i].text, rows[i].key);
		if (strcmp(got, rows[i].want) != 0)
			printf("#   row %zu:\n", i);
		CHECK_STR(got, rows[i].want);
		free(got);
	}
}

#define ROWS(shell, rows) check_rows(tap_failed, shell, rows, sizeof rows / sizeof rows[0])

/* TestParsing */
static const struct row parsing[] = {
    {"FOO=bar", "FOO", "bar"},
    {"FOO =bar", "FOO", "bar"},
    {"FOO= bar", "FOO", "bar"},
    {"FOO=\"bar\"", "FOO", "bar"},
    {"FOO='bar'", "FOO", "bar"},
    {"FOO=\"escaped\\\"bar\"", "FOO", "escaped\"bar"},
    {"FOO=\"\\\"quoted\\\"\"", "FOO", "\"quoted\""},
    {"FOO=\"'d'\"", "FOO", "'d'"},
    {"OPTION_A: 1", "OPTION_A", "1"},
    {"OPTION_A: Foo=bar", "OPTION_A", "Foo=bar"},
    {"OPTION_A=1:B", "OPTION_A", "1:B"},
    {"export OPTION_A=2", "OPTION_A", "2"},
    {"export OPTION_B='\\n'", "OPTION_B", "\\n"},
    {"export exportFoo=2", "exportFoo", "2"},
    {"exportFOO=2", "exportFOO", "2"},
    {"export_FOO =2", "export_FOO", "2"},
    {"export.FOO= 2", "export.FOO", "2"},
    {"export\tOPTION_A=2", "OPTION_A", "2"},
    {"  export OPTION_A=2", "OPTION_A", "2"},
    {"\texport OPTION_A=2", "OPTION_A", "2"},
    {"export OPTION_A=\"export A\"", "OPTION_A", "export A"},
    {"FOO=\"bar\\nbaz\"", "FOO", "bar\nbaz"},
    {"FOO=a\\tb", "FOO", "a\\tb"},
    {"FOO=\"a\\tb\"", "FOO", "a\tb"},
    {"KEY=\"Z\\aZ\\bZ\\fZ\\nZ\\rZ\\tZ\\vZ\\\\Z\\0123Z\"", "KEY", "Z\aZ\bZ\fZ\nZ\rZ\tZ\vZ\\ZSZ"},
    {"FOO.BAR=foobar", "FOO.BAR", "foobar"},
    {"FOO=foobar=", "FOO", "foobar="},
    {"FOO=bar ", "FOO", "bar"},
    {"FOO=bar # this is foo", "FOO", "bar"},
    {"FOO=bar #this is foo", "FOO", "bar"},
    {"FOO=bar #", "FOO", "bar"},
    {"FOO=123#not-an-inline-comment", "FOO", "123#not-an-inline-comment"},
    {"FOO=\"bar#baz\"", "FOO", "bar#baz"},
    {"FOO=\"bar#baz\"#", "FOO", "bar#baz"},
    {"FOO=\"bar#baz\" # comment", "FOO", "bar#baz"},
    {"FOO='bar#baz' # comment", "FOO", "bar#baz"},
    {"FOO=\"bar#baz#bang\" # comment", "FOO", "bar#baz#bang"},
    {"FOO=\"ba#r\"", "FOO", "ba#r"},
    {"FOO='ba#r'", "FOO", "ba#r"},
    {"FOO=\"bar\\n\\ b\\az\"", "FOO", "bar\n\\ b\az"},
    {"FOO=\"bar\\\\\\n\\ b\\az\"", "FOO", "bar\\\n\\ b\az"},
    {"FOO=\"bar\\\\r\\ b\\az\"", "FOO", "bar\\r\\ b\az"},
    {"FOO=\"bar\\nbaz\\\\\"", "FOO", "bar\nbaz\\"},
    /* compose: the key "" set to value; clan refuses a key-less line */
    {"=\"value\"", "", "<error>"},
    {" KEY =value", "KEY", "value"},
    {"   KEY=value", "KEY", "value"},
    {"\tKEY=value", "KEY", "value"},
    {"KEY=\"\\0123\"", "KEY", "S"},
    {"KEY=\"\\x07\"", "KEY", "\\x07"},
    {"KEY=\"\\u12e4\"", "KEY", "\\u12e4"},
    {"KEY=\"\\U00101234\"", "KEY", "\\U00101234"},
    {"lol$wut", "lol", "<error>"},
};

TEST(compose_parsing)
{
	ROWS(NULL, parsing);
}

/* TestUnterminatedQuotes */
static const struct row unterminated[] = {
    {"KEY=\"", "KEY", "<error>"},	   {"KEY=\"value", "KEY", "<error>"},
    {"KEY=\"value\\\"", "KEY", "<error>"}, {"KEY=\"value'", "KEY", "<error>"},
    {"KEY='", "KEY", "<error>"},	   {"KEY='value", "KEY", "<error>"},
    {"KEY='value\\'", "KEY", "<error>"},   {"KEY='value\"", "KEY", "<error>"},
};

TEST(compose_unterminated_quotes)
{
	ROWS(NULL, unterminated);
}

/* TestLinesToIgnore: each text sets nothing (and is no error) */
static const struct row ignored[] = {
    {"\n", "K", "<unset>"},	   {"\r\n", "K", "<unset>"},	     {"\t\t ", "K", "<unset>"},
    {"# Comment", "K", "<unset>"}, {"\t # comment", "K", "<unset>"},
};

TEST(compose_lines_to_ignore)
{
	ROWS(NULL, ignored);
}

/* TestExpanding */
static const struct row expanding[] = {
    {"FOO=test\nBAR=$FOO", "BAR", "test"},
    {"FOO=test\nBAR=${FOO}bar", "BAR", "testbar"},
    {"BAR=$FOO", "BAR", ""},
    {"FOO=test\nBAR=\"quote $FOO\"", "BAR", "quote test"},
    {"BAR='quote $FOO'", "BAR", "quote $FOO"},
    {"FOO=\"foo\\$BAR\"", "FOO", "foo$BAR"},
    {"FOO=\"foo\\${BAR}\"", "FOO", "foo${BAR}"},
    {"FOO=test\nBAR=\"foo\\${FOO} ${FOO}\"", "BAR", "foo${FOO} test"},
    /* TestExpandingEnvironmentWithLookup (shell ME=YES) */
    {"TEST=$ME", "TEST", "YES"},
};

TEST(compose_expanding)
{
	ROWS("ME=YES", expanding);
}

/* fixtures/substitutions-default.env, with and without OPTION_A=5 in the
 * shell (TestSubstitutionsWith*DefaultValuePrecedence), and
 * substitutions.env (OPTION_A=1 instead of the default) */
#define SUBST_DEFAULT                                                         \
	"OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\n" \
	"OPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n"
#define SUBST                                                    \
	"OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\n" \
	"OPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n"

static const struct row subst_shell[] = {
    {SUBST_DEFAULT, "OPTION_A", "5"}, {SUBST_DEFAULT, "OPTION_B", "5"},
    {SUBST_DEFAULT, "OPTION_C", "5"}, {SUBST_DEFAULT, "OPTION_D", "5_5"},
    {SUBST_DEFAULT, "OPTION_E", ""},  {SUBST, "OPTION_A", "1"},
    {SUBST, "OPTION_B", "5"},	      {SUBST, "OPTION_C", "5"},
    {SUBST, "OPTION_D", "5_5"},	      {SUBST, "OPTION_E", ""},
};

static const struct row subst_no_shell[] = {
    {SUBST_DEFAULT, "OPTION_A", "1"}, {SUBST_DEFAULT, "OPTION_B", "1"},
    {SUBST_DEFAULT, "OPTION_C", "1"}, {SUBST_DEFAULT, "OPTION_D", "1_1"},
    {SUBST_DEFAULT, "OPTION_E", ""},  {SUBST, "OPTION_D", "1_1"},
};

TEST(compose_substitutions)
{
	ROWS("OPTION_A=5", subst_shell);
	ROWS(NULL, subst_no_shell);
}

/* fixtures/quoted.env (TestLoadQuotedEnv) */
#define QUOTED_ENV                                                                     \
	"OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\n"    \
	"OPTION_F=\"2\"\nOPTION_G=\"\"\nOPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\"\n" \
	"OPTION_J = 'first line\nsecond line\nthird line\nand so on'\n"                \
	"OPTION_Z = \"last value\"\n"

static const struct row quoted_env[] = {
    {QUOTED_ENV, "OPTION_A", "1"},
    {QUOTED_ENV, "OPTION_B", "2"},
    {QUOTED_ENV, "OPTION_C", ""},
    {QUOTED_ENV, "OPTION_D", "\\n"},
    {QUOTED_ENV, "OPTION_E", "1"},
    {QUOTED_ENV, "OPTION_F", "2"},
    {QUOTED_ENV, "OPTION_G", ""},
    {QUOTED_ENV, "OPTION_H", "\n"},
    {QUOTED_ENV, "OPTION_I", "echo 'asd'"},
    {QUOTED_ENV, "OPTION_J", "first line\nsecond line\nthird line\nand so on"},
    {QUOTED_ENV, "OPTION_Z", "last value"},
};

TEST(compose_quoted_fixture)
{
	ROWS(NULL, quoted_env);
}

/* TestDash (fixtures/special.env) and TestVariableStringValueSeparator */
static const struct row names_and_lines[] = {
    {"VAR-WITH-DASHES=dashes", "VAR-WITH-DASHES", "dashes"},
    {"VAR.WITH.DOTS=dots", "VAR.WITH.DOTS", "dots"},
    {"VAR_WITH_UNDERSCORES=underscores", "VAR_WITH_UNDERSCORES", "underscores"},
    {"TEST_URLS=\"stratum+tcp://a:3333\nstratum+tcp://a:443\"", "TEST_URLS",
     "stratum+tcp://a:3333\nstratum+tcp://a:443"},
};

TEST(compose_names_and_lines)
{
	ROWS(NULL, names_and_lines);
}

/* Read from compose-go's dotenv/parser.go (same repository): the rules
 * its tests do not pin, each a value the old parser got wrong. */
static const struct row parser_rules[] = {
    /* \0 and exactly three octal digits; else the 0 goes, the rest stays */
    {"K=\"\\0101\\012\\0\"", "K", "A\\12\\"},
    {"K=\"\\0377\"", "K", "\xc3\xbf"}, /* Go's string(rune): UTF-8 */
    {"K=\"\\0777\\0189\"", "K", "\\777\\189"},
    {"K=\"\\01234\"", "K", "S4"},
    /* octal makes a $ that is then interpolated, as compose */
    {"K=\"\\0044{ME}\"", "K", "YES"},
    /* a backslash hides the closing single quote too, and stays before
     * anything else */
    {"K='it\\'s'", "K", "it's"},
    {"K='a\\\\b'", "K", "a\\\\b"},
    /* key characters: [ ] and non-ASCII letters */
    {"A[0]=x", "A[0]", "x"},
    {"\xc3\x9c"
     "BER=1",
     "\xc3\x9c"
     "BER",
     "1"},
    /* after a quoted value, more statements may follow on the line */
    {"K=\"a\" L=2", "L", "2"},
    {"K='a'#c\nL=2", "L", "2"},
    /* YAML form without a blank, and with quotes */
    {"K:V", "K", "V"},
    {"K: 'a b'", "K", "a b"},
    /* white space as Go sees it: U+00A0 is a blank before a value and a
     * key, U+3000 is trimmed after an unquoted value and skipped before a
     * line */
    {"K=\xc2\xa0value", "K", "value"},
    {"K=value\xe3\x80\x80", "K", "value"},
    {"\xe3\x80\x80K=v", "K", "v"},
    {"K\xc2\xa0=v", "K", "v"},
};

TEST(compose_parser_rules)
{
	ROWS("ME=YES", parser_rules);
}
