/* yaml.v3's resolve() for plain scalars, then Go's fmt.Sprint of the
 * value: what compose-go makes of an unquoted environment value. */
#define _GNU_SOURCE
#include "config/yaml_scalar.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static const char *const true_words[] = {"true", "True", "TRUE"};
static const char *const false_words[] = {"false", "False", "FALSE"};

static bool is_one_of(const char *s, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

/* Go's strconv.ParseInt/ParseUint with base 0 (sign, 0x 0o 0b prefixes,
 * a leading 0 for octal), on text without _; false past 64 bits. */
static bool go_parse_int(const char *s, char **out)
{
	bool neg = *s == '-';
	const char *p = *s == '-' || *s == '+' ? s + 1 : s;
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		base = 16, p += 2;
	else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O'))
		base = 8, p += 2;
	else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B'))
		base = 2, p += 2;
	else if (p[0] == '0' && p[1])
		base = 8, p += 1;
	if (!*p)
		return false;
	for (const char *q = p; *q; q++) {
		int d = isdigit((unsigned char)*q)    ? *q - '0'
			: isxdigit((unsigned char)*q) ? tolower((unsigned char)*q) - 'a' + 10
						      : 99;
		if (d >= base)
			return false;
	}
	errno = 0;
	unsigned long long u = strtoull(p, NULL, base);
	if (errno == ERANGE || (neg && u > (unsigned long long)INT64_MAX + 1))
		return false;
	*out = neg && u ? xasprintf("-%llu", u) : xasprintf("%llu", u);
	return true;
}

/* yaml.v3's yamlStyleFloat: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_yaml_float(const char *s)
{
	const char *p = *s == '-' || *s == '+' ? s + 1 : s;
	size_t intd = strspn(p, "0123456789");
	p += intd;
	if (*p == '.') {
		size_t frac = strspn(p + 1, "0123456789");
		if (!intd && !frac)
			return false;
		p += 1 + frac;
	} else if (!intd) {
		return false;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		size_t ed = strspn(p, "0123456789");
		if (!ed)
			return false;
		p += ed;
	}
	return *p == '\0';
}

/* Go's %v of a float64 (strconv's 'g' with the shortest precision): the
 * fewest digits that read back as f, as D.DDDe+XX when the exponent is
 * below -4 or 6 and above (fmt.Sprint(1e6) is "1e+06"), else fixed. */
static char *go_format_float(double f)
{
	if (isnan(f))
		return xstrdup("NaN");
	if (isinf(f))
		return xstrdup(f > 0 ? "+Inf" : "-Inf");
	if (f == 0)
		return xstrdup(signbit(f) ? "-0" : "0");
	char e[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(e, sizeof e, "%.*e", prec - 1, f);
		if (strtod(e, NULL) == f)
			break;
	}
	/* e is [-]D[.DDD]e[+-]XX: the digits and the exponent */
	bool neg = e[0] == '-';
	char digits[24];
	size_t nd = 0;
	const char *p = neg ? e + 1 : e;
	for (; *p != 'e'; p++)
		if (isdigit((unsigned char)*p))
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	int exp = atoi(p + 1);
	if (exp < -4 || exp >= 6) {
		return xasprintf("%s%c%s%se%c%02d", neg ? "-" : "", digits[0], nd > 1 ? "." : "",
				 digits + 1, exp < 0 ? '-' : '+', abs(exp));
	}
	/* fixed: the point after exp + 1 digits */
	char buf[64];
	size_t len = 0;
	if (neg)
		buf[len++] = '-';
	if (exp < 0) {
		len += (size_t)snprintf(buf + len, sizeof buf - len, "0.");
		for (int i = -1; i > exp; i--)
			buf[len++] = '0';
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s", digits);
	} else {
		for (int i = 0; i <= exp; i++)
			buf[len++] = (size_t)i < nd ? digits[i] : '0';
		if ((size_t)exp + 1 < nd)
			len +=
			    (size_t)snprintf(buf + len, sizeof buf - len, ".%s", digits + exp + 1);
	}
	buf[len] = '\0';
	return xstrdup(buf);
}

char *yaml_scalar_as_go(const char *text)
{
	if (is_one_of(text, true_words, ARRAY_SIZE(true_words)))
		return xstrdup("true");
	if (is_one_of(text, false_words, ARRAY_SIZE(false_words)))
		return xstrdup("false");
	static const char *const nan[] = {".nan", ".NaN", ".NAN"};
	static const char *const inf[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"};
	static const char *const ninf[] = {"-.inf", "-.Inf", "-.INF"};
	if (is_one_of(text, nan, ARRAY_SIZE(nan)))
		return xstrdup("NaN");
	if (is_one_of(text, inf, ARRAY_SIZE(inf)))
		return xstrdup("+Inf");
	if (is_one_of(text, ninf, ARRAY_SIZE(ninf)))
		return xstrdup("-Inf");
	/* numbers start with a digit, a sign or a point (resolve's hint) */
	if (!isdigit((unsigned char)*text) && !(*text && strchr("+-.", *text)))
		return NULL;
	_cleanup_free_ char *plain = xstrdup(text);
	char *w = plain;
	for (const char *r = text; *r; r++)
		if (*r != '_')
			*w++ = *r;
	*w = '\0';
	char *out;
	if (*text != '.' && go_parse_int(plain, &out))
		return out;
	const char *f = *text == '.' ? text : plain;
	if (is_yaml_float(f))
		return go_format_float(strtod(f, NULL));
	return NULL;
}
