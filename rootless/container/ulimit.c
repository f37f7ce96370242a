#define _GNU_SOURCE
#include "container/ulimit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "base/suggest.h"
#include "base/util.h"

/* Docker's names (go-units ulimit.go), and "as" as podman takes it. */
static const struct {
	const char *name;
	int resource;
} limits[] = {
    {"as", RLIMIT_AS},		 {"core", RLIMIT_CORE},		{"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},	 {"fsize", RLIMIT_FSIZE},	{"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},	 {"nproc", RLIMIT_NPROC},	{"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},	 {"rttime", RLIMIT_RTTIME},	{"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

int ulimit_resource(const char *name, int *resource, struct clan_err *err)
{
	const char *names[ARRAY_SIZE(limits)];
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++) {
		if (strcmp(name, limits[i].name) == 0) {
			*resource = limits[i].resource;
			return 0;
		}
		names[i] = limits[i].name;
	}
	return suggest_error(err, "ulimit", name, names, ARRAY_SIZE(names),
			     "nofile, nproc, core, memlock, stack, fsize, cpu, as, data, locks, "
			     "msgqueue, nice, rss, rtprio, rttime, sigpending");
}

const char *ulimit_name(int resource)
{
	for (size_t i = 0; i < ARRAY_SIZE(limits); i++)
		if (limits[i].resource == resource)
			return limits[i].name;
	return "?";
}

/* A whole decimal number or -1 (unlimited). */
static bool parse_limit(const char *s, size_t len, uint64_t *out)
{
	if (len == 2 && strncmp(s, "-1", 2) == 0) {
		*out = RLIM_INFINITY;
		return true;
	}
	uint64_t v = 0;
	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');
		if (s[i] < '0' || s[i] > '9' || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* "unlimited" or the number, for messages. */
static const char *limit_text(uint64_t v, char *buf, size_t len)
{
	if (v == RLIM_INFINITY)
		return "unlimited";
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

int ulimit_parse(const char *text, struct ulimit_spec *out, struct clan_err *err)
{
	const char *eq = strchr(text, '=');
	if (!eq)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "bad ulimit '%s': expected NAME=SOFT[:HARD] (e.g. "
				       "nofile=1024:4096)",
				       text);
	_cleanup_free_ char *name = xstrndup(text, (size_t)(eq - text));
	if (ulimit_resource(name, &out->resource, err) < 0)
		return -1;
	const char *soft = eq + 1, *colon = strchr(soft, ':');
	size_t soft_len = colon ? (size_t)(colon - soft) : strlen(soft);
	if (!parse_limit(soft, soft_len, &out->soft) ||
	    (colon && !parse_limit(colon + 1, strlen(colon + 1), &out->hard)))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "bad ulimit '%s': limits are whole numbers, or -1 for "
				       "unlimited",
				       text);
	if (!colon)
		out->hard = out->soft;
	char a[24], b[24];
	if (out->soft > out->hard)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "bad ulimit '%s': the soft limit %s is above the hard "
				       "limit %s",
				       text, limit_text(out->soft, a, sizeof a),
				       limit_text(out->hard, b, sizeof b));
	return 0;
}

/* The number, or -1 for unlimited. */
static void limit_number(uint64_t v, char *buf, size_t len)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, len, "-1");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

void ulimit_format(const struct ulimit_spec *u, char *buf, size_t len)
{
	char soft[24], hard[24];
	limit_number(u->soft, soft, sizeof soft);
	limit_number(u->hard, hard, sizeof hard);
	snprintf(buf, len, "%s=%s:%s", ulimit_name(u->resource), soft, hard);
}

void ulimit_put(struct ulimit_spec **list, size_t *n, const struct ulimit_spec *u)
{
	for (size_t i = 0; i < *n; i++)
		if ((*list)[i].resource == u->resource) {
			(*list)[i] = *u;
			return;
		}
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = *u;
}

int ulimits_check(const struct ulimit_spec *u, size_t n, struct clan_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit host;
		if (getrlimit(u[i].resource, &host) < 0)
			return clan_error(err, errno, "cannot read the host's %s limit",
					  ulimit_name(u[i].resource));
		if (host.rlim_max == RLIM_INFINITY || u[i].hard <= host.rlim_max)
			continue;
		char a[24], b[24];
		return clan_error_code(err, CLAN_EXIT_SETUP,
				       "ulimit %s: the hard limit %s is above the host's (%s), "
				       "which only root on the host can raise; ask for at most %s",
				       ulimit_name(u[i].resource),
				       limit_text(u[i].hard, a, sizeof a),
				       limit_text(host.rlim_max, b, sizeof b), b);
	}
	return 0;
}

int ulimits_apply(const struct ulimit_spec *u, size_t n, struct clan_err *err)
{
	for (size_t i = 0; i < n; i++) {
		struct rlimit r = {.rlim_cur = u[i].soft, .rlim_max = u[i].hard};
		if (setrlimit(u[i].resource, &r) < 0) {
			char a[24], b[24];
			return clan_error(
			    err, errno, "cannot set ulimit %s=%s:%s", ulimit_name(u[i].resource),
			    limit_text(u[i].soft, a, sizeof a), limit_text(u[i].hard, b, sizeof b));
		}
	}
	return 0;
}
