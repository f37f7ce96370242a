#define _GNU_SOURCE
#include "base/duration.h"

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"

static int bad_duration(const char *text, struct clan_err *err)
{
	return clan_error_code(err, CLAN_EXIT_USAGE, "bad duration '%s' (e.g. 1s, 500ms, 1m30s)",
			       text);
}

/* The unit at p and its length in nanoseconds; 0 when there is none. */
static uint64_t unit_ns(const char *p, size_t *len)
{
	static const struct {
		const char *name;
		uint64_t ns;
	} units[] = {{"ns", 1},
		     {"us", 1000},
		     {"\xc2\xb5s", 1000},
		     {"ms", 1000000},
		     {"s", 1000000000ull},
		     {"m", 60000000000ull},
		     {"h", 3600000000000ull}};
	uint64_t found = 0;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		size_t n = strlen(units[i].name);
		/* the longest match: "ms" before "m" */
		if (strncmp(p, units[i].name, n) == 0 && (!found || n > *len)) {
			found = units[i].ns;
			*len = n;
		}
	}
	return found;
}

int duration_parse(const char *text, int *ms, struct clan_err *err)
{
	const char *p = text;
	/* whole nanoseconds, capped well below overflow */
	const uint64_t cap = (uint64_t)INT_MAX * 1000000ull;
	uint64_t total = 0;

	if (strcmp(text, "0") == 0) {
		*ms = 0;
		return 0;
	}
	if (!*p)
		return bad_duration(text, err);
	while (*p) {
		uint64_t whole = 0, frac = 0, scale = 1;
		bool digits = false;
		for (; isdigit((unsigned char)*p); p++, digits = true) {
			whole = whole * 10 + (uint64_t)(*p - '0');
			if (whole > cap)
				return clan_error_code(err, CLAN_EXIT_USAGE,
						       "duration '%s' is too long", text);
		}
		if (*p == '.') {
			p++;
			for (; isdigit((unsigned char)*p); p++, digits = true)
				if (scale < 1000000000000ull) {
					frac = frac * 10 + (uint64_t)(*p - '0');
					scale *= 10;
				}
		}
		size_t ulen = 0;
		uint64_t ns = digits ? unit_ns(p, &ulen) : 0;
		if (!ns)
			return bad_duration(text, err);
		p += ulen;
		if (whole > cap / ns)
			return clan_error_code(err, CLAN_EXIT_USAGE, "duration '%s' is too long",
					       text);
		/* frac/scale of a unit, exact enough: scale <= 1e12, ns <= 3.6e12 */
		total += whole * ns + (uint64_t)((long double)frac * ns / scale);
		if (total > cap)
			return clan_error_code(err, CLAN_EXIT_USAGE, "duration '%s' is too long",
					       text);
	}
	*ms = (int)(total / 1000000ull);
	return 0;
}

void duration_format(int ms, char *buf, size_t len)
{
	/* Go's time.Duration.String, the form docker compose config prints:
	 * the units below the largest one always written (1m0s, 1h0m0s), a
	 * part of a second as a fraction (1.5s), under a second in ms */
	if (ms <= 0) {
		snprintf(buf, len, "0s");
		return;
	}
	if (ms < 1000) {
		snprintf(buf, len, "%dms", ms);
		return;
	}
	int h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, rest = ms % 1000;
	char frac[8] = "";
	if (rest) {
		snprintf(frac, sizeof frac, ".%03d", rest);
		for (size_t n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = '\0';
	}
	if (h)
		snprintf(buf, len, "%dh%dm%d%ss", h, m, s, frac);
	else if (m)
		snprintf(buf, len, "%dm%d%ss", m, s, frac);
	else
		snprintf(buf, len, "%d%ss", s, frac);
}
