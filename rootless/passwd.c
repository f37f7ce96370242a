#define _GNU_SOURCE
#include "passwd.h"

#include <stdbool.h>
#include <string.h>

#include "util.h"

/* Finds the line whose field `key_field` equals key (or whose field 2, the
 * numeric id, equals key when by_id) and copies its fields. */
static bool find_entry(const char *text, const char *key, bool by_id, char fields[7][256])
{
	if (!text)
		return false;
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int n = 0;
		char *p = line;
		for (; n < 7; n++) {
			char *colon = strchr(p, ':');
			size_t len = colon ? (size_t)(colon - p) : strlen(p);
			snprintf(fields[n], 256, "%.*s", (int)len, p);
			if (!colon) {
				n++;
				break;
			}
			p = colon + 1;
		}
		for (int k = n; k < 7; k++)
			fields[k][0] = '\0';
		if (n >= 3 && strcmp(fields[by_id ? 2 : 0], key) == 0)
			return true;
	}
	return false;
}

static int resolve_group(const char *g, const char *group, uint32_t *gid, struct clan_err *err)
{
	char f[7][256];
	if (parse_u32(g, gid))
		return 0;
	if (find_entry(group, g, false, f) && parse_u32(f[2], gid))
		return 0;
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "group '%s' not found in the image's /etc/group (use a numeric gid)",
			       g);
}

int user_resolve(const char *spec, const char *passwd, const char *group, struct user_ids *out,
		 struct clan_err *err)
{
	_cleanup_free_ char *copy = xstrdup(spec);
	char *grp = strchr(copy, ':');
	char f[7][256];

	if (grp)
		*grp++ = '\0';
	if (!*copy || (grp && !*grp))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "bad --user '%s': expected USER[:GROUP]", spec);
	*out = (struct user_ids){0};
	snprintf(out->home, sizeof out->home, "/");
	bool numeric = parse_u32(copy, &out->uid);
	if (find_entry(passwd, copy, numeric, f)) {
		if (!parse_u32(f[2], &out->uid) || !parse_u32(f[3], &out->gid))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "the image's /etc/passwd entry for '%s' is malformed",
					       copy);
		if (f[5][0] == '/')
			snprintf(out->home, sizeof out->home, "%s", f[5]);
	} else if (!numeric) {
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "user '%s' not found in the image's /etc/passwd (use a "
				       "numeric uid)",
				       copy);
	}
	return grp ? resolve_group(grp, group, &out->gid, err) : 0;
}
