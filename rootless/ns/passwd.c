#define _GNU_SOURCE
#include "ns/passwd.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

#define FIELDS 7

/* Splits a colon-separated line in place into at most FIELDS fields;
 * returns how many there are. */
static int split_fields(char *line, char *f[FIELDS])
{
	int n = 0;
	for (char *p = line; n < FIELDS; n++) {
		f[n] = p;
		char *colon = strchr(p, ':');
		if (!colon)
			return n + 1;
		*colon = '\0';
		p = colon + 1;
	}
	return n;
}

/* Finds the entry whose name is key, or, when by_id, whose numeric id
 * (field 3) equals id. On success *copy owns the text the fields point
 * into. */
static bool find_entry(const char *text, const char *key, bool by_id, uint32_t id, char **copy,
		       char *f[FIELDS])
{
	if (!text)
		return false;
	*copy = xstrdup(text);
	char *save = NULL;
	for (char *line = strtok_r(*copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int n = split_fields(line, f);
		for (int k = n; k < FIELDS; k++)
			f[k] = "";
		uint32_t v;
		if (n >= 3 && (by_id ? parse_u32(f[2], &v) && v == id : strcmp(f[0], key) == 0))
			return true;
	}
	free(*copy);
	*copy = NULL;
	return false;
}

static int resolve_group(const char *g, const char *group, uint32_t *gid, struct clan_err *err)
{
	_cleanup_free_ char *copy = NULL;
	char *f[FIELDS];
	if (parse_u32(g, gid))
		return 0;
	if (find_entry(group, g, false, 0, &copy, f) && parse_u32(f[2], gid))
		return 0;
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "group '%s' not found in the image's /etc/group (use a numeric gid)",
			       g);
}

static bool lists_member(char *members, const char *name)
{
	char *save = NULL;
	for (char *m = strtok_r(members, ",", &save); m; m = strtok_r(NULL, ",", &save))
		if (strcmp(m, name) == 0)
			return true;
	return false;
}

/* The gids of the groups whose member list names the user. */
static void find_groups(const char *name, const char *group, struct user_ids *out)
{
	if (!group || !*name)
		return;
	_cleanup_free_ char *copy = xstrdup(group);
	char *save = NULL, *f[FIELDS];
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		uint32_t gid;
		if (split_fields(line, f) >= 4 && parse_u32(f[2], &gid) &&
		    lists_member(f[3], name) && out->ngroups < USER_MAX_GROUPS)
			out->groups[out->ngroups++] = gid;
	}
}

int user_resolve(const char *spec, const char *passwd, const char *group, struct user_ids *out,
		 struct clan_err *err)
{
	_cleanup_free_ char *copy = xstrdup(spec), *entry = NULL;
	char *grp = strchr(copy, ':');
	char *f[FIELDS];

	if (grp)
		*grp++ = '\0';
	if (!*copy || (grp && !*grp))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "bad --user '%s': expected USER[:GROUP]", spec);
	*out = (struct user_ids){0};
	snprintf(out->home, sizeof out->home, "/");
	bool numeric = parse_u32(copy, &out->uid);
	if (find_entry(passwd, copy, numeric, out->uid, &entry, f)) {
		if (!parse_u32(f[2], &out->uid) || !parse_u32(f[3], &out->gid))
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "the image's /etc/passwd entry for '%s' is malformed", copy);
		if (f[5][0] == '/')
			snprintf(out->home, sizeof out->home, "%s", f[5]);
		find_groups(f[0], group, out);
	} else if (!numeric) {
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "user '%s' not found in the image's /etc/passwd (use a "
				       "numeric uid)",
				       copy);
	}
	return grp ? resolve_group(grp, group, &out->gid, err) : 0;
}
