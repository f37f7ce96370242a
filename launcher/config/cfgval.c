#define _GNU_SOURCE
#include "config/cfgval.h"

#include <ctype.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/suggest.h"

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
