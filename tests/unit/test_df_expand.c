/* Unit tests for Dockerfile variable substitution: BuildKit's own tables
 * (frontend/dockerfile/shell/lex_test.go at 12f04ef: TestProcessWithMatches,
 * TestShellParserMandatoryEnvVars), translated, then quotes and escapes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "build/df_expand.h"
#include "tap.h"

/* env is "K=V;K=V" ('|' in a value stands for ';' nowhere: none needed);
 * NULL on error. */
static char *expand(const char *word, const char *env)
{
	struct strv e = {0};
	_cleanup_free_ char *copy = xstrdup(env);
	char *save = NULL;
	for (char *t = strtok_r(copy, ";", &save); t; t = strtok_r(NULL, ";", &save))
		strv_push(&e, t);
	char *out = NULL;
	struct clan_err err = {0};
	int rc = df_expand(word, '\\', &e, &out, &err);
	strv_free(&e);
	if (rc < 0) {
		if (err.code != CLAN_EXIT_USAGE || !err.msg[0])
			printf("# %s: bad error\n", word);
		return NULL;
	}
	return out;
}

struct row {
	const char *word, *env, *want; /* want NULL: an error */
};

static bool table_holds(const struct row *t, size_t n)
{
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *got = expand(t[i].word, t[i].env);
		bool same = got && t[i].want ? strcmp(got, t[i].want) == 0 : got == t[i].want;
		if (!same) {
			printf("# '%s' [%s]: got '%s', want '%s'\n", t[i].word, t[i].env,
			       got ? got : "(error)", t[i].want ? t[i].want : "(error)");
			ok = false;
		}
	}
	return ok;
}

#define FX "FOO=xxx;BAR="

TEST(buildkit_process_with_matches)
{
	static const struct row t[] = {
	    {"x", "DUMMY=dummy", "x"},
	    {"x ${UNUSED}", "DUMMY=dummy", "x "},
	    {"x ${FOO}", "FOO=y", "x y"},
	    {"${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}", FX, "xxx  ccc"},
	    {"${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}", FX, "xxx bbb ccc"},
	    {"${FOO:-}", FX, "xxx"},
	    {"${FOO:-}", "", ""},
	    {"${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}", FX, "aaa bbb "},
	    {"${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}", FX, "aaa  "},
	    {"${FOO?aaa}", FX, "xxx"},
	    {"${BAR?bbb}", FX, ""},
	    {"${BAZ?ccc}", FX, NULL},
	    {"${FOO:?aaa}", FX, "xxx"},
	    {"${BAR:?bbb}", FX, NULL},
	    {"${BAZ:?ccc}", FX, NULL},
	    {"${BAZ:?}", FX, NULL},
	    {"${FOO=aaa}", FX, NULL},
	    {"${FOO=:aaa}", FX, NULL},
	    {"${FOO=}", "", NULL},
	    {"${FOO#()[]{\\}^$.\\*\\?|\\\\}", "FOO=()[]{}^$.*?|\\x", "x"},
	    {"${FOO%%\\**}", "FOO=xx**", "xx"},
	    {"${FOO#*x*y}", "FOO=xxyy", "y"},
	    {"${FOO#*}", "FOO=xxyy", "xxyy"},
	    {"${FOO#$BAR}", "FOO=xxyy;BAR=x", "xyy"},
	    {"${FOO#$BAR}", "FOO=xxyy;BAR=", "xxyy"},
	    {"${FOO#}", "FOO=xxyy", "xxyy"},
	    {"${FOO##*x}", "FOO=xxyy", "yy"},
	    {"${FOO##}", "FOO=xxyy", "xxyy"},
	    {"${FOO#?\\?}", "FOO=???y", "?y"},
	    {"${ABC:-.}${FOO%x}${ABC:-.}", "FOO=xxyy", ".xxyy."},
	    {"${FOO%%\\**\\*}", "FOO=a***yy*", "a"},
	    {"${FOO%}", "FOO=xxyy", "xxyy"},
	    {"${FOO%%$BAR}", "FOO=xxyy;BAR=", "xxyy"},
	    {"${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}", "FOO=/foo*/*/*.txt;NEEDLE=\\*/",
	     "/foo.*/*.txt - /foo..*.txt"},
	    {"${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}", "FOO=/tmp/tmp/bar.txt;NEEDLE=/tmp",
	     "/tmp/bar.txt - /bar.txt"},
	    {"${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
	     "FOO=/a/foo/b/c.txt;NEEDLE=/?/;REPLACEMENT=/", "/foo/b/c.txt - /foo/c.txt"},
	    {"${FOO/$NEEDLE/$REPLACEMENT}",
	     "FOO=http://google.de;NEEDLE=http://;REPLACEMENT=https://", "https://google.de"},
	    {"${FOO//\\//\\/}", "FOO=/tmp/foo.txt", "\\/tmp\\/foo.txt"},
	    {"${FOO/$BAR/ww}", "FOO=xxyy;BAR=", "wwxxyy"},
	    {"${FOO//ww}", "FOO=xxyy", NULL},
	    {"${FOO//}", "FOO=xxyy", NULL},
	    {"${FOO///}", "FOO=xxyy", "xxyy"},
	    {"${FOO///}", "", ""},
	};
	CHECK(table_holds(t, ARRAY_SIZE(t)));
}

TEST(buildkit_mandatory_env_vars)
{
	static const struct row t[] = {
	    {"${VAR:?message here$ARG}", "VAR=plain;ARG=x", "plain"},
	    {"${VAR:?message here$ARG}", "VAR=;ARG=x", NULL},
	    {"${VAR:?message here$ARG}", "ARG=x", NULL},
	    {"${VAR?message here$ARG}", "VAR=plain;ARG=x", "plain"},
	    {"${VAR?message here$ARG}", "VAR=;ARG=x", ""},
	    {"${VAR?message here$ARG}", "ARG=x", NULL},
	};
	CHECK(table_holds(t, ARRAY_SIZE(t)));
	struct strv env = {0};
	strv_push(&env, "ARG=x");
	char *out = NULL;
	struct clan_err err = {0};
	CHECK(df_expand("${VAR:?message here$ARG}", '\\', &env, &out, &err) < 0);
	CHECK(strstr(err.msg, "VAR: message herex") != NULL);
	CHECK(df_expand("${VAR?}", '\\', &env, &out, &err) < 0);
	CHECK(strstr(err.msg, "VAR: is not allowed to be unset") != NULL);
	strv_free(&env);
}

TEST(quotes_escapes_and_names)
{
	static const struct row t[] = {
	    {"'$FOO'", "FOO=x", "$FOO"},
	    {"\"$FOO\"", "FOO=x y", "x y"},
	    {"\"a\\\"b\\$c\\\\d\\e\"", "", "a\"b$c\\d\\e"},
	    {"a\\ b\\$FOO\\", "FOO=x", "a b$FOO"},
	    {"$FOO$BAR", "FOO=a;BAR=b", "ab"},
	    {"$FOO_BAR-$FOO", "FOO=a;FOO_BAR=c", "c-a"},
	    {"$", "", "$"},
	    {"a$ b", "", "a$ b"},
	    {"$1x", "", "x"},
	    {"${FOO}bar", "FOO=a", "abar"},
	    {"${FOO:-a\\}b}", "", "a}b"},
	    {"${FOO:-$BAR}", "BAR=nested", "nested"},
	    {"${FOO:-\"q q\"}", "", "q q"},
	    {"later wins $A", "A=1;A=2", "later wins 2"},
	    {"set empty [$A]", "A", "set empty []"},
	    {"${}", "", NULL},
	    {"${:}", "", NULL},
	    {"${{A}", "", NULL},
	    {"${A", "", NULL},
	    {"${A:-x", "", NULL},
	    {"'open", "", NULL},
	    {"\"open", "", NULL},
	    {"${A#\\x}", "A=x", NULL},
	    {"${A%\\}", "A=x", NULL},
	};
	CHECK(table_holds(t, ARRAY_SIZE(t)));
}

TEST(backtick_escape)
{
	struct strv env = {0};
	strv_push(&env, "P=C:\\dir");
	char *out = NULL;
	struct clan_err err = {0};
	CHECK(df_expand("`$P` $P\\x", '`', &env, &out, &err) == 0);
	CHECK_STR(out, "$P C:\\dir\\x");
	free(out);
	strv_free(&env);
}

TEST(heredoc_text_keeps_quotes)
{
	struct strv env = {0};
	strv_push(&env, "A=1");
	char *out = NULL;
	struct clan_err err = {0};
	CHECK(df_expand_text("say \"$A\" '$A' \\$B ${A:-x}\n", '\\', &env, &out, &err) == 0);
	CHECK_STR(out, "say \"1\" '1' $B 1\n");
	free(out);
	CHECK(df_expand_text("${A", '\\', &env, &out, &err) < 0);
	strv_free(&env);
}
