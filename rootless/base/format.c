#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/format.h"

void format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
	double v = (double)bytes;
	size_t u = 0;
	/* 999.9kB would print as "1e+03kB" (as docker does): go up a unit
	 * once the value rounds to 1000 at three digits */
	while (v >= 999.5 && u + 1 < sizeof units / sizeof *units) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.3g%s", v, units[u]);
}

void format_duration(int64_t seconds, char *buf, size_t len)
{
	int64_t s = seconds, m = s / 60, h = (s + 1800) / 3600;
	if (s < 1)
		snprintf(buf, len, "Less than a second");
	else if (s == 1)
		snprintf(buf, len, "1 second");
	else if (s < 60)
		snprintf(buf, len, "%lld seconds", (long long)s);
	else if (m == 1)
		snprintf(buf, len, "About a minute");
	else if (m < 60)
		snprintf(buf, len, "%lld minutes", (long long)m);
	else if (h == 1)
		snprintf(buf, len, "About an hour");
	else if (h < 48)
		snprintf(buf, len, "%lld hours", (long long)h);
	else if (h < 24 * 7 * 2)
		snprintf(buf, len, "%lld days", (long long)(h / 24));
	else if (h < 24 * 30 * 2)
		snprintf(buf, len, "%lld weeks", (long long)(h / 24 / 7));
	else if (h < 24 * 365 * 2)
		snprintf(buf, len, "%lld months", (long long)(h / 24 / 30));
	else
		snprintf(buf, len, "%lld years", (long long)(s / 3600 / 24 / 365));
}

/* The multiplier of unit letter c (1 for none), 0 when c is not one. */
static uint64_t size_unit(char c)
{
	static const char units[] = "kmgtp";
	const char *u = c ? strchr(units, tolower((unsigned char)c)) : NULL;
	if (!c)
		return 1;
	return u ? 1ULL << (10 * (u - units + 1)) : 0;
}

bool parse_size(const char *s, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, scale = 1;
	const char *p = s;
	if (!s || !isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		uint64_t d = (uint64_t)(*p - '0');
		if (whole > ((uint64_t)INT64_MAX - d) / 10)
			return false; /* before the multiply wraps */
		whole = whole * 10 + d;
	}
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return false;
		/* digits past the 18th cannot change a whole byte count */
		for (; isdigit((unsigned char)*p); p++)
			if (scale < 1000000000000000000ULL)
				frac = frac * 10 + (uint64_t)(*p - '0'), scale *= 10;
	}
	if (*p == ' ')
		p++;
	char unit = *p && strchr("kKmMgGtTpP", *p) ? *p++ : '\0';
	if (unit && (*p == 'i' || *p == 'I'))
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	uint64_t mult = size_unit(unit);
	if (*p || (whole && mult > INT64_MAX / whole))
		return false;
	/* the fraction's bytes, in 128 bits: frac < scale <= 10^18, mult <= 2^50 */
	uint64_t v = whole * mult;
	unsigned __int128 f = (unsigned __int128)frac * mult / scale;
	if (v + f > INT64_MAX)
		return false;
	*out = v + (uint64_t)f;
	return true;
}
