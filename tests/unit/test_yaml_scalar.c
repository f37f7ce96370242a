/* Unit tests for yaml_scalar_as_go: a plain YAML scalar as compose makes
 * it text again, yaml.v3's resolve() (go-yaml/yaml v3 resolve.go: the
 * resolve table, ParseInt with base 0 after removing _, yamlStyleFloat)
 * then Go's fmt.Sprint (strconv 'g', shortest). The expected values are
 * what Go prints for them. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/yaml_scalar.h"
#include "tap.h"
#include "base/util.h"

static const struct {
	const char *in, *out; /* out NULL: a string, kept as written */
} cases[] = {
    {"1", "1"},
    {"-1", "-1"},
    {"+5", "5"},
    {"-0", "0"},
    {"007", "7"},
    {"010", "8"},
    {"08", "8"},
    {"0x1F", "31"},
    {"0X1f", "31"},
    {"0o17", "15"},
    {"0b101", "5"},
    {"1_000", "1000"},
    {"18446744073709551615", "18446744073709551615"},
    {"18446744073709551616", "1.8446744073709552e+19"},
    {"-9223372036854775808", "-9223372036854775808"},
    {"-9223372036854775809", "-9.223372036854776e+18"},
    {"1.0", "1"},
    {"1.10", "1.1"},
    {"0.1", "0.1"},
    {"0.0001", "0.0001"},
    {"0.00001", "1e-05"},
    {".5", "0.5"},
    {"5.", "5"},
    {"1e3", "1000"},
    {"1E6", "1e+06"},
    {"123456", "123456"},
    {"1234567.0", "1.234567e+06"},
    {"-2.5e-3", "-0.0025"},
    {"3.14159", "3.14159"},
    {"0.30000000000000004", "0.30000000000000004"},
    {"0.0", "0"},
    {"-0.0", "-0"},
    {".inf", "+Inf"},
    {"-.Inf", "-Inf"},
    {".NaN", "NaN"},
    {"true", "true"},
    {"True", "true"},
    {"FALSE", "false"},
    {"yes", NULL},
    {"on", NULL},
    {"tRue", NULL},
    {"2001-12-14", NULL},
    {"1.2.3", NULL},
    {"0x", NULL},
    {"0x1p3", NULL},
    {"1e", NULL},
    {".", NULL},
    {"-", NULL},
    {"+.5e", NULL},
    {"12abc", NULL},
    {"1:20", NULL},
    {"v1", NULL},
    {"", NULL},
};

TEST(yaml_scalars_as_go_prints_them)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = yaml_scalar_as_go(cases[i].in);
		if (!cases[i].out ? got != NULL : !got || strcmp(got, cases[i].out) != 0) {
			printf("#   '%s': got '%s', want '%s'\n", cases[i].in,
			       got ? got : "(string)", cases[i].out ? cases[i].out : "(string)");
			*tap_failed = 1;
		}
		free(got);
	}
}
