#define _GNU_SOURCE
#include "config/cfgval.h"

#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/suggest.h"

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

int signal_parse(const char *text, int *sig, struct clan_err *err)
{
	uint32_t num;
	const char *name = strncasecmp(text, "SIG", 3) == 0 ? text + 3 : text;
	/* "SIG42" too: signal_format's form of a signal without a name */
	if (parse_u32(name, &num)) {
		if (num < 1 || num > 64)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "bad signal '%s': numbers go from 1 to 64", text);
		*sig = (int)num;
		return 0;
	}
	const char *names[64];
	size_t n = 0;
	for (int i = 1; i < NSIG && i <= 64; i++) {
		const char *abbrev = sigabbrev_np(i);
		if (!abbrev)
			continue;
		if (strcasecmp(name, abbrev) == 0) {
			*sig = i;
			return 0;
		}
		if (n < ARRAY_SIZE(names))
			names[n++] = abbrev;
	}
	const char *near = suggest_nearest(name, names, n);
	if (near)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "unknown signal '%s' (did you mean SIG%s?)", text, near);
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "unknown signal '%s' (e.g. SIGTERM, SIGINT, SIGQUIT)", text);
}

void signal_format(int sig, char *buf, size_t len)
{
	const char *abbrev = sig > 0 && sig < NSIG ? sigabbrev_np(sig) : NULL;
	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "SIG%d", sig);
}

static const char *const restart_names[] = {"no", "on-failure", "always", "unless-stopped"};

int restart_parse(const char *text, enum restart_policy *out, struct clan_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(restart_names); i++)
		if (strcmp(text, restart_names[i]) == 0) {
			*out = (enum restart_policy)i;
			return 0;
		}
	const char *near = suggest_nearest(text, restart_names, ARRAY_SIZE(restart_names));
	if (near)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "bad restart policy '%s' (did you mean %s?)", text, near);
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "bad restart policy '%s' (no, on-failure, always or "
			       "unless-stopped)",
			       text);
}

const char *restart_name(enum restart_policy p)
{
	return (size_t)p < ARRAY_SIZE(restart_names) ? restart_names[p] : "no";
}

bool cfg_is_name(const char *s)
{
	if (!isalnum((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

bool cfg_is_host_name(const char *s, size_t len)
{
	if (len == 0 || len > 253)
		return false;
	size_t label = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			/* an empty label, or one ending in '-' */
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
		if (label++ == 0 && s[i] == '-')
			return false;
	}
	return true;
}

bool cfg_is_env_name(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '=' || isspace((unsigned char)s[i]) || iscntrl((unsigned char)s[i]))
			return false;
	return true;
}

bool cfg_is_identifier(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

bool cfg_is_user_spec(const char *s)
{
	size_t colons = 0;
	for (const char *p = s; *p; p++) {
		if (*p == ':')
			colons++;
		else if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return false;
	}
	return *s && colons <= 1 && s[0] != ':' && s[strlen(s) - 1] != ':';
}
