#define _GNU_SOURCE
#include "ns/idmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* One "name:start:count" line; false when it is not one. */
static bool parse_subid_line(char *line, char **name, struct subid_range *r)
{
	char *first = strchr(line, ':');
	if (!first)
		return false;
	char *second = strchr(first + 1, ':');
	if (!second)
		return false;
	*first = *second = '\0';
	*name = line;
	return **name && parse_u32(first + 1, &r->start) && parse_u32(second + 1, &r->count) &&
	       r->count > 0;
}

bool subid_find_in_text(const char *text, const char *user, uint32_t uid, struct subid_range *out)
{
	char uid_str[16];
	snprintf(uid_str, sizeof uid_str, "%u", uid);
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '#')
			continue;
		char *name;
		struct subid_range r;
		if (!parse_subid_line(line, &name, &r))
			continue;
		if ((user && strcmp(name, user) == 0) || strcmp(name, uid_str) == 0) {
			*out = r;
			return true;
		}
	}
	return false;
}

bool subid_find(const char *path, const char *user, uint32_t uid, struct subid_range *out)
{
	_cleanup_free_ char *text = NULL;
	struct clan_err err;
	if (read_file(path, 1 << 22, &text, &err) < 0)
		return false;
	return subid_find_in_text(text, user, uid, out);
}

bool subid_overlap_in_text(const char *text, uint32_t start, uint32_t count, const char *skip_user,
			   uint32_t skip_uid, char *who, size_t who_len)
{
	char uid_str[16];
	snprintf(uid_str, sizeof uid_str, "%u", skip_uid);
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;
	uint64_t end = (uint64_t)start + count;

	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "\r")] = '\0';
		char *name;
		struct subid_range r;
		if (line[0] == '#' || !parse_subid_line(line, &name, &r))
			continue;
		if ((skip_user && strcmp(name, skip_user) == 0) || strcmp(name, uid_str) == 0)
			continue;
		if (r.start < end && start < (uint64_t)r.start + r.count) {
			snprintf(who, who_len, "%s", name);
			return true;
		}
	}
	return false;
}

void idmap_single(struct idmap *m, uint32_t inside, uint32_t host_id)
{
	m->n = 1;
	m->r[0] = (struct idmap_range){inside, host_id, 1};
}

void idmap_subid(struct idmap *m, uint32_t host_id, const struct subid_range *sub)
{
	m->n = 2;
	m->r[0] = (struct idmap_range){0, host_id, 1};
	m->r[1] = (struct idmap_range){1, sub->start, sub->count};
}

void idmap_identity(struct idmap *m)
{
	m->n = 1;
	m->r[0] = (struct idmap_range){0, 0, UINT32_MAX};
}

void idmap_format(const struct idmap *m, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < m->n && off < len; i++) {
		int n = snprintf(buf + off, len - off, "%u %u %u\n", m->r[i].inside,
				 m->r[i].outside, m->r[i].count);
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

bool idmap_to_host(const struct idmap *m, uint32_t inside, uint32_t *host)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct idmap_range *r = &m->r[i];
		if (inside >= r->inside && inside - r->inside < r->count) {
			*host = r->outside + (inside - r->inside);
			return true;
		}
	}
	return false;
}

bool idmap_rebase(const struct idmap *want, const struct idmap *parent, struct idmap *out)
{
	out->n = 0;
	for (size_t i = 0; i < want->n; i++) {
		const struct idmap_range *w = &want->r[i];
		size_t j = 0;
		for (; j < parent->n; j++) {
			const struct idmap_range *p = &parent->r[j];
			/* w's host ids [outside, outside+count) inside p's */
			if (w->outside >= p->outside && w->count <= p->count &&
			    w->outside - p->outside <= p->count - w->count)
				break;
		}
		if (j == parent->n)
			return false;
		const struct idmap_range *p = &parent->r[j];
		out->r[out->n++] = (struct idmap_range){
		    w->inside, p->inside + (w->outside - p->outside), w->count};
	}
	return true;
}

bool idmap_parse(const char *text, struct idmap *m)
{
	m->n = 0;
	const char *p = text;
	while (*p) {
		unsigned long long v[3];
		for (int k = 0; k < 3; k++) {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p < '0' || *p > '9')
				return false;
			char *end;
			v[k] = strtoull(p, &end, 10);
			if (v[k] > UINT32_MAX)
				return false;
			p = end;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\n')
			p++;
		else if (*p)
			return false;
		if (m->n == IDMAP_MAX)
			return false;
		m->r[m->n++] = (struct idmap_range){(uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2]};
	}
	return m->n > 0;
}
