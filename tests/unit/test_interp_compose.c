/* compose-go's own interpolation tests, translated into tables for
 * launcher/config/interp: the values, and which inputs are errors, must be
 * compose's. Error wording stays clan's ("FILE:LINE: NAME: reason"); where
 * compose names the variable and the reason, so do we.
 *
 * Source: github.com/compose-spec/compose-go, template/template_test.go at
 * commit efea3ec07dadd6792105978301f4bff97a613825 (Apache-2.0). The rules
 * behind them: template/template.go (the brace counting of
 * getFirstBraceClosingIndex, operands expanded before use). Each table
 * names the Go test it comes from. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/interp.h"
#include "tap.h"
#include "base/util.h"

/* template_test.go's defaults: FOO=first, BAR set but empty */
static const char *lookup(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "FOO") == 0)
		return "first";
	if (strcmp(name, "BAR") == 0)
		return "";
	return NULL;
}

struct ok_case {
	const char *template, *want;
};

/* want_err: a piece of clan's message, "" for any exit-2 error */
struct err_case {
	const char *template, *want_err;
};

static char *run(const char *text, struct interp_warnings *w, struct clan_err *err)
{
	struct interp_env env = {.lookup = lookup, .warn = w};
	char *out = NULL;
	err->msg[0] = '\0';
	err->code = 0;
	if (interp_expand(&env, text, "compose.yaml", 3, &out, err) < 0)
		return NULL;
	return out;
}

/* tap_failed: TEST's own, for CHECK */
static void check_ok(int *tap_failed, const struct ok_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct clan_err err;
		char *got = run(c[i].template, NULL, &err);
		CHECK_STR(got ? got : err.msg, c[i].want);
		free(got);
	}
}

static void check_err(int *tap_failed, const struct err_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct clan_err err;
		char *got = run(c[i].template, NULL, &err);
		CHECK(got == NULL);
		CHECK(err.code == CLAN_EXIT_USAGE);
		CHECK(strncmp(err.msg, "compose.yaml:3: ", 16) == 0);
		if (!strstr(err.msg, c[i].want_err))
			CHECK_STR(err.msg, c[i].want_err);
		free(got);
	}
}

#define OK_TABLE(t) check_ok(tap_failed, t, sizeof(t) / sizeof(t[0]))
#define ERR_TABLE(t) check_err(tap_failed, t, sizeof(t) / sizeof(t[0]))

/* TestEscaped, TestSubstituteNoMatch, TestUnescaped, TestNonBraced,
 * TestNoValueNoDefault, TestValueNoDefault */
TEST(plain_and_escaped)
{
	static const struct ok_case t[] = {
	    {"$${foo}", "${foo}"},
	    {"foo", "foo"},
	    {"a $ string", "a $ string"},
	    {"^REGEX$", "^REGEX$"},
	    {"$}", "$}"},
	    {"$", "$"},
	    {"$FOO-bar", "first-bar"},
	    {"This ${missing} var", "This  var"},
	    {"This ${BAR} var", "This  var"},
	    {"This $FOO var", "This first var"},
	    {"This ${FOO} var", "This first var"},
	};
	OK_TABLE(t);
}

/* TestInvalid */
TEST(invalid_templates)
{
	static const struct err_case t[] = {
	    {"${", "bad interpolation"},      {"${}", "bad interpolation"},
	    {"${ }", "bad interpolation"},    {"${ foo}", "bad interpolation"},
	    {"${foo }", "bad interpolation"}, {"${foo!}", "bad interpolation"},
	};
	ERR_TABLE(t);
}

/* TestNoValueWithDefault, TestEmptyValueWithSoftDefault,
 * TestValueWithSoftDefault, TestEmptyValueWithHardDefault,
 * TestPresentValue*, TestNonAlphanumericDefault */
TEST(defaults_and_presence)
{
	static const struct ok_case t[] = {
	    {"ok ${missing:-def}", "ok def"},
	    {"ok ${missing-def}", "ok def"},
	    {"ok ${BAR:-def}", "ok def"},
	    {"ok ${FOO:-def}", "ok first"},
	    {"ok ${BAR-def}", "ok "},
	    {"ok ${UNSET_VAR:+presence_value}", "ok "},
	    {"ok ${UNSET_VAR+presence_value}", "ok "},
	    {"ok ${FOO:+presence_value}", "ok presence_value"},
	    {"ok ${FOO+presence_value}", "ok presence_value"},
	    {"ok ${BAR+presence_value}", "ok presence_value"},
	    {"ok ${BAR:+presence_value}", "ok "},
	    {"ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"},
	};
	OK_TABLE(t);
}

/* TestInterpolationExternalInterference */
TEST(outer_text_does_not_interfere)
{
	static const struct ok_case t[] = {
	    {"-ok ${BAR:-defaultValue}", "-ok defaultValue"},
	    {"+ok ${UNSET:-${BAR-defaultValue}}", "+ok "},
	    {"-ok ${FOO:-defaultValue}", "-ok first"},
	    {":-ok ${UNSET-defaultValue}", ":-ok defaultValue"},
	    {":-ok ${BAR-defaultValue}", ":-ok "},
	    {":?ok ${BAR-defaultValue}", ":?ok "},
	    {":?ok ${BAR:-defaultValue}", ":?ok defaultValue"},
	    {":+ok ${BAR:-defaultValue}", ":+ok defaultValue"},
	    {"+ok ${BAR-defaultValue}", "+ok "},
	    {"?ok ${BAR:-defaultValue}", "?ok defaultValue"},
	};
	OK_TABLE(t);
}

/* TestDefaultsWithNestedExpansion */
TEST(nested_expansion_in_defaults)
{
	static const struct ok_case t[] = {
	    {"ok ${UNSET_VAR-$FOO}", "ok first"},
	    {"ok ${UNSET_VAR-${FOO}}", "ok first"},
	    {"ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"},
	    {"ok ${BAR:-$FOO}", "ok first"},
	    {"ok ${BAR:-${FOO}}", "ok first"},
	    {"ok ${BAR:-${FOO} ${FOO}}", "ok first first"},
	    {"ok ${BAR+$FOO}", "ok first"},
	    {"ok ${BAR+$FOO ${FOO:+second}}", "ok first second"},
	};
	OK_TABLE(t);
}

/* TestMandatoryVariableErrors, TestMandatoryVariableErrorsWithNestedExpansion:
 * compose says "required variable NAME is missing a value: REASON" */
TEST(mandatory_variables)
{
	static const struct err_case t[] = {
	    {"not ok ${UNSET_VAR:?Mandatory Variable Unset}",
	     "UNSET_VAR: Mandatory Variable Unset"},
	    {"not ok ${BAR:?Mandatory Variable Empty}", "BAR: Mandatory Variable Empty"},
	    {"not ok ${UNSET_VAR:?}", "UNSET_VAR: is not set"},
	    {"not ok ${UNSET_VAR?Mandatory Variable Unset}", "UNSET_VAR: Mandatory Variable Unset"},
	    {"not ok ${UNSET_VAR?}", "UNSET_VAR: is not set"},
	    {"not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}",
	     "UNSET_VAR: Mandatory Variable first"},
	    {"not ok ${UNSET_VAR?Mandatory Variable ${FOO}}",
	     "UNSET_VAR: Mandatory Variable first"},
	};
	ERR_TABLE(t);
}

/* TestDefaultsForMandatoryVariables, and TestPrecedence's successes */
TEST(mandatory_variables_present)
{
	static const struct ok_case t[] = {
	    {"ok ${FOO:?err}", "ok first"},
	    {"ok ${FOO?err}", "ok first"},
	    {"ok ${BAR?err}", "ok "},
	    {"${UNSET_VAR-myerror?msg}", "myerror?msg"},
	    {"${FOO?bar-baz}", "first"},
	    {"${BAR:-default_value_for_empty_var}", "default_value_for_empty_var"},
	    {"${UNSET_VAR-default_value_for_unset_var}", "default_value_for_unset_var"},
	};
	OK_TABLE(t);
}

/* TestPrecedence's error */
TEST(precedence_error)
{
	static const struct err_case t[] = {
	    {"${UNSET_VAR?bar-baz}", "UNSET_VAR: bar-baz"},
	};
	ERR_TABLE(t);
}

/* TestSubstitutionFunctionChoice: the operator right after the name wins,
 * whatever operators follow in the operand. The Go test checks the chosen
 * symbol; here each input is expanded with the name unset (and, for the +
 * forms, set) so that the symbol shows in the result. */
TEST(operator_choice)
{
	static const struct err_case errs[] = {
	    {"${VARNAME:?val?ue}", "VARNAME: val?ue"},
	    {"${VARNAME?val:?ue}", "VARNAME: val:?ue"},
	    {"${VARNAME?va-lu+e:?e}", "VARNAME: va-lu+e:?e"},
	    {"${VARNAME?va+lu-e:?e}", "VARNAME: va+lu-e:?e"},
	};
	static const struct ok_case oks[] = {
	    {"${VARNAME:-value}", "value"},    {"${VARNAME-va:-lu:?e}", "va:-lu:?e"},
	    {"${VARNAME-va+lu?e}", "va+lu?e"}, {"${VARNAME-va?lu+e}", "va?lu+e"},
	    {"${VARNAME:+va:?lu:-e}", ""},     {"${FOO:+va:?lu:-e}", "va:?lu:-e"},
	    {"${FOO+va:+lue}", "va:+lue"},     {"${FOO+va?lu-e}", "va?lu-e"},
	    {"${FOO+va-lu?e}", "va-lu?e"},
	};
	ERR_TABLE(errs);
	OK_TABLE(oks);
}

/* Not in compose-go's tests, but its rules (template.go), each a case the
 * previous clan code got wrong. */
TEST(braces_in_operands)
{
	static const struct ok_case t[] = {
	    /* the issue's example: braces inside a default */
	    {"${JSON:-{\"a\":1}}", "{\"a\":1}"},
	    /* a set variable leaves no stray '}' behind */
	    {"${FOO:-{\"a\":1}}", "first"},
	    {"${UNSET:-{a}b}", "{a}b"},
	    {"${FOO:-{a}b}c", "firstc"},
	    /* the operand is cut at the '}' that closes the braces opened so
	     * far; what follows is plain text */
	    {"${UNSET:-a}b}", "ab}"},
	    {"${UNSET:-x}-${FOO}", "x-first"},
	    /* compose skips the byte after each '{', so the '}' of "{}" closes
	     * nothing */
	    {"${UNSET:-{}x}y}", "{}x}y"},
	    {"${UNSET:-{}}", "{}"},
	};
	OK_TABLE(t);
}

TEST(operands_end_on_their_line)
{
	/* Go's '.' stops at '\n': a ${...} whose '}' is on a later line is
	 * invalid, one closed on its line is not */
	static const struct err_case errs[] = {
	    {"${UNSET:-x\n}", "missing '}' on its line"},
	    {"${FOO:+a\nb}", "missing '}' on its line"},
	};
	static const struct ok_case oks[] = {
	    {"${UNSET:-x}\n}", "x\n}"},
	    {"a\n${UNSET:-{b}}\n${FOO}", "a\n{b}\nfirst"},
	};
	ERR_TABLE(errs);
	OK_TABLE(oks);
}

TEST(operands_are_expanded_even_when_unused)
{
	/* compose-go expands the default (or message) before it looks at the
	 * variable: an unused ${X:?} still fails */
	static const struct err_case errs[] = {
	    {"${FOO:-${UNSET:?boom}}", "UNSET: boom"},
	    {"${UNSET:+${NOPE?gone}}", "NOPE: gone"},
	    {"${FOO?${NOPE:?inner}}", "NOPE: inner"},
	};
	ERR_TABLE(errs);

	/* and an unused default's unset variable warns */
	struct interp_warnings w = {0};
	struct clan_err err;
	char *v = run("${FOO:-$NOPE}", &w, &err);
	CHECK_STR(v, "first");
	CHECK(w.msgs.n == 1);
	CHECK_STR(w.names.n ? w.names.v[0] : NULL, "NOPE");
	free(v);
	interp_warnings_free(&w);
}
