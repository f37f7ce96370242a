#define _GNU_SOURCE
#include "config/compose_path.h"

#include <stdio.h>
#include <string.h>

struct compose_path compose_path_next(const struct compose_path *p, const char *key)
{
	struct compose_path q = *p;
	if (q.n < COMPOSE_PATH_KEPT)
		q.key[q.n] = key;
	q.n++;
	return q;
}

bool compose_path_is(const struct compose_path *p, const char *pattern)
{
	size_t i = 0;
	for (const char *s = pattern; *s; i++) {
		const char *dot = strchrnul(s, '.');
		size_t len = (size_t)(dot - s);
		if (i >= p->n || i >= COMPOSE_PATH_KEPT)
			return false;
		bool any = len == 1 && *s == '*';
		if (!any && (strlen(p->key[i]) != len || strncmp(p->key[i], s, len) != 0))
			return false;
		s = *dot ? dot + 1 : dot;
	}
	return i == p->n;
}

const char *compose_path_str(const struct compose_path *p, char *buf, size_t len)
{
	if (!p->n) {
		snprintf(buf, len, "(top level)");
		return buf;
	}
	size_t at = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->n && i < COMPOSE_PATH_KEPT && at < len; i++) {
		int w = snprintf(buf + at, len - at, "%s%s", i ? "." : "", p->key[i]);
		if (w < 0)
			break;
		at += (size_t)w;
	}
	if (p->n > COMPOSE_PATH_KEPT && at < len)
		snprintf(buf + at, len - at, "...");
	return buf;
}
