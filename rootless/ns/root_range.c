#define _GNU_SOURCE
#include "ns/root_range.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

/* Id 0 would make the container's root host root again; 2^32-1 is the
 * kernel's "no id". */
static bool range_is_usable(const struct subid_range *r)
{
	return r->start > 0 && r->count > 0 && (uint64_t)r->start + r->count <= UINT32_MAX;
}

static bool is_free(const char *text, uint32_t start, uint32_t count)
{
	char who[64];
	/* no entry is skipped: 4294967295 is nobody's uid */
	return !text ||
	       !subid_overlap_in_text(text, start, count, NULL, UINT32_MAX, who, sizeof who);
}

bool root_range_pick(const char *subuid, const char *subgid, struct subid_range *uid,
		     struct subid_range *gid)
{
	if (subuid && subgid && subid_find_in_text(subuid, "root", 0, uid) &&
	    subid_find_in_text(subgid, "root", 0, gid) && range_is_usable(uid) &&
	    range_is_usable(gid))
		return true;
	for (uint64_t s = ROOT_RANGE_BASE; s + ROOT_RANGE_COUNT <= UINT32_MAX;
	     s += ROOT_RANGE_COUNT) {
		if (is_free(subuid, (uint32_t)s, ROOT_RANGE_COUNT) &&
		    is_free(subgid, (uint32_t)s, ROOT_RANGE_COUNT)) {
			*uid = *gid = (struct subid_range){(uint32_t)s, ROOT_RANGE_COUNT};
			return true;
		}
	}
	return false;
}

char *root_range_format(const struct subid_range *uid, const struct subid_range *gid)
{
	return xasprintf(
	    "# The host ids that containers started by root map to (container id 0 is\n"
	    "# the first): root's entry in /etc/subuid and /etc/subgid, else ids from\n"
	    "# 2^31 up that no entry there uses. Picked by clan on first use and kept,\n"
	    "# so every container of this storage maps the same way.\n"
	    "uid %u %u\ngid %u %u\n",
	    uid->start, uid->count, gid->start, gid->count);
}

static bool parse_line(char *line, const char *key, struct subid_range *r)
{
	size_t n = strlen(key);
	if (strncmp(line, key, n) != 0 || line[n] != ' ')
		return false;
	char *count = strchr(line + n + 1, ' ');
	if (!count)
		return false;
	*count++ = '\0';
	return parse_u32(line + n + 1, &r->start) && parse_u32(count, &r->count) &&
	       range_is_usable(r);
}

bool root_range_parse(const char *text, struct subid_range *uid, struct subid_range *gid)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *save = NULL;
	bool have_uid = false, have_gid = false;
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (!have_uid && parse_line(line, "uid", uid))
			have_uid = true;
		else if (!have_gid && parse_line(line, "gid", gid))
			have_gid = true;
		else
			return false;
	}
	return have_uid && have_gid;
}

/* Written once, by rename: two first runs at once both write the same. */
static int record(const char *path, const char *text, struct clan_err *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return clan_error(err, errno, "cannot create %s", tmp);
	if (!write_all(fd, text, strlen(text)) || fsync(fd) < 0 || close(steal_fd(&fd)) < 0 ||
	    rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return clan_error(err, e, "cannot write %s", path);
	}
	return 0;
}

static int pick_and_record(const char *storage, const char *path, const char *subuid_path,
			   const char *subgid_path, struct subid_range *uid,
			   struct subid_range *gid, struct clan_err *err)
{
	_cleanup_free_ char *su = NULL, *sg = NULL;
	struct clan_err ignored;
	if (read_file(subuid_path, 1 << 22, &su, &ignored) < 0)
		su = NULL;
	if (read_file(subgid_path, 1 << 22, &sg, &ignored) < 0)
		sg = NULL;
	if (!root_range_pick(su, sg, uid, gid))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "no free range of %u ids above %u in %s and %s for the "
				       "containers of root; add one for root there, e.g. "
				       "usermod --add-subuids 3000000000-3000065535 --add-subgids "
				       "3000000000-3000065535 root",
				       ROOT_RANGE_COUNT, ROOT_RANGE_BASE, subuid_path, subgid_path);
	_cleanup_free_ char *text = root_range_format(uid, gid);
	if (mkdir_p(storage, 0700, err) < 0)
		return -1;
	return record(path, text, err);
}

/* An admin may since have given the recorded ids to a user: that user's
 * containers and root's would then share host ids. */
static int check_still_free(const char *path, const char *subid_path, const char *kind,
			    const struct subid_range *r, struct clan_err *err)
{
	_cleanup_free_ char *text = NULL;
	struct clan_err ignored;
	char who[64];
	if (read_file(subid_path, 1 << 22, &text, &ignored) < 0 ||
	    !subid_overlap_in_text(text, r->start, r->count, "root", 0, who, sizeof who))
		return 0;
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "the %s range %u-%u that %s records for root's containers is "
			       "also %s's in %s; give %s another range, or remove the "
			       "containers and volumes of this storage and then %s",
			       kind, r->start, r->start + (r->count - 1), path, who, subid_path,
			       who, path);
}

int root_range_get(const char *storage, const char *subuid_path, const char *subgid_path,
		   struct subid_range *uid, struct subid_range *gid, struct clan_err *err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", storage, ROOT_RANGE_FILE);
	_cleanup_free_ char *text = NULL;
	if (read_file(path, 4096, &text, err) < 0) {
		if (err->sys_errno != ENOENT)
			return -1;
		return pick_and_record(storage, path, subuid_path, subgid_path, uid, gid, err);
	}
	if (!root_range_parse(text, uid, gid))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s is not a clan id range record (\"uid START COUNT\" "
				       "and \"gid START COUNT\", neither holding id 0); remove "
				       "it and clan picks a range again",
				       path);
	if (check_still_free(path, subuid_path, "uid", uid, err) < 0 ||
	    check_still_free(path, subgid_path, "gid", gid, err) < 0)
		return -1;
	return 0;
}
