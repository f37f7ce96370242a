#define _GNU_SOURCE
#include "ns/userns.h"

#include <errno.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/progress.h"
#include "base/settings.h"
#include "ns/idmount.h"
#include "ns/root_range.h"
#include "base/util.h"

static bool have_subids(struct userns_plan *p)
{
	struct passwd *pw = getpwuid(getuid());
	const char *name = pw ? pw->pw_name : NULL;
	return subid_find("/etc/subuid", name, getuid(), &p->subuid) &&
	       subid_find("/etc/subgid", name, getuid(), &p->subgid);
}

static bool have_helpers(struct userns_plan *p)
{
	return find_program("newuidmap", p->newuidmap, sizeof p->newuidmap) &&
	       find_program("newgidmap", p->newgidmap, sizeof p->newgidmap);
}

static int plan_subuid(uint32_t cuid, uint32_t cgid, struct userns_plan *p, struct clan_err *err)
{
	uint32_t host;
	p->mode = USERNS_SUBUID;
	p->use_helpers = true;
	idmap_subid(&p->uid, getuid(), &p->subuid);
	idmap_subid(&p->gid, getgid(), &p->subgid);
	if (!idmap_to_host(&p->uid, cuid, &host) || !idmap_to_host(&p->gid, cgid, &host))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "user %u:%u is outside your subordinate id range (%u ids); "
				       "use a smaller id or ask for a larger range in /etc/subuid",
				       cuid, cgid, p->subuid.count);
	return 0;
}

/* auto's meaning on this machine: clan.conf's or CLAN_USERNS's userns
 * (single on a site that wants no subuid helpers); *what names that
 * choice for errors. */
static enum userns_mode configured_mode(char **what)
{
	_cleanup_free_ char *origin = NULL;
	_cleanup_free_ char *v = settings_get(SETTING_USERNS, &origin);
	enum userns_mode m = USERNS_AUTO;
	if (v && strcmp(v, "single") == 0)
		m = USERNS_SINGLE;
	else if (v && strcmp(v, "subuid") == 0)
		m = USERNS_SUBUID;
	if (m != USERNS_AUTO)
		*what = xasprintf("userns = %s (from %s)", v, origin);
	return m;
}

int userns_plan_make(enum userns_mode requested, uint32_t cuid, uint32_t cgid,
		     struct userns_plan *out, struct clan_err *err)
{
	*out = (struct userns_plan){0};
	_cleanup_free_ char *what = NULL;
	if (requested == USERNS_AUTO)
		requested = configured_mode(&what);
	if (requested == USERNS_HOST && getuid() != 0)
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "--userns host maps the container's root to host root and is "
		    "for root only; use --userns auto (your own ids)");
	if (getuid() == 0) {
		/* root maps to root: nothing is gained or lost by the namespace. */
		out->host_root = true;
		out->mode = requested == USERNS_SINGLE ? USERNS_SINGLE : USERNS_SUBUID;
		idmap_identity(&out->uid);
		idmap_identity(&out->gid);
		return 0;
	}
	bool subids = have_subids(out), helpers = have_helpers(out);
	if (requested == USERNS_SUBUID) {
		if (!subids)
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "%s: no range for you in /etc/subuid and /etc/subgid; "
			    "ask an admin: usermod --add-subuids 100000-165535 --add-subgids "
			    "100000-165535 $USER (or use --userns single)",
			    what ? what : "--userns subuid");
		if (!helpers)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: newuidmap/newgidmap not found; "
					       "install them: apt-get install uidmap (or use "
					       "--userns single)",
					       what ? what : "--userns subuid");
	}
	if (requested != USERNS_SINGLE && subids && helpers)
		return plan_subuid(cuid, cgid, out, err);
	out->mode = USERNS_SINGLE;
	idmap_single(&out->uid, cuid, getuid());
	idmap_single(&out->gid, cgid, getgid());
	return 0;
}

/* Root of the machine, not uid 0 of a user namespace (`unshare -Ur clan`),
 * which has no ids to give a range from: the initial namespace maps every
 * id to itself. */
static bool is_host_root(void)
{
	struct clan_err err;
	_cleanup_free_ char *text = NULL;
	struct idmap m;
	return getuid() == 0 && read_file("/proc/self/uid_map", 4096, &text, &err) == 0 &&
	       idmap_parse(text, &m) && m.n == 1 && m.r[0].inside == 0 && m.r[0].outside == 0 &&
	       m.r[0].count == UINT32_MAX;
}

int userns_plan_container(enum userns_mode requested, const char *storage, uint32_t cuid,
			  uint32_t cgid, struct userns_plan *out, struct clan_err *err)
{
	if (requested == USERNS_HOST || !is_host_root())
		return userns_plan_make(requested, cuid, cgid, out, err);
	if (!idmount_overlay_supported()) {
		/* root's storage reaches the container only through overlay
		 * layers given as idmapped fds */
		progress_note("this kernel (before Linux 6.15) cannot give root's containers an id "
			      "range of their own: their root is host root, as with --userns host");
		return userns_plan_make(requested, cuid, cgid, out, err);
	}
	*out = (struct userns_plan){.mode = USERNS_SUBUID};
	if (root_range_get(storage, "/etc/subuid", "/etc/subgid", &out->subuid, &out->subgid, err) <
	    0)
		return -1;
	if (requested == USERNS_SINGLE) {
		/* one id as for a user: the range's first, not host root; root's
		 * storage reaches only that id through the idmapped mounts, so it
		 * has to be the container's root */
		if (cuid != 0 || cgid != 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "--userns single as root maps one id, the "
					       "container's root: drop -u %u:%u, or use --userns "
					       "auto",
					       cuid, cgid);
		out->mode = USERNS_SINGLE;
		idmap_single(&out->uid, cuid, out->subuid.start);
		idmap_single(&out->gid, cgid, out->subgid.start);
		return 0;
	}
	out->uid = (struct idmap){.n = 1, .r = {{0, out->subuid.start, out->subuid.count}}};
	out->gid = (struct idmap){.n = 1, .r = {{0, out->subgid.start, out->subgid.count}}};
	uint32_t host;
	if (!idmap_to_host(&out->uid, cuid, &host) || !idmap_to_host(&out->gid, cgid, &host))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "user %u:%u is outside root's container id range (%u ids); "
				       "use a smaller id",
				       cuid, cgid, out->subuid.count);
	return 0;
}

bool userns_needs_idmapped_mounts(const struct userns_plan *p)
{
	return getuid() == 0 && !p->host_root && p->uid.n > 0 && p->uid.r[0].outside != 0;
}

/* posix_spawn, not fork: no copy of clan's page tables, which costs more
 * than the exec under a paravirtualised MMU. 0, or the error number (an
 * exec that fails is reported here too). */
static int spawn_helper(const char *helper, pid_t pid, const struct idmap *m, pid_t *child)
{
	char args[IDMAP_MAX * 3 + 3][16];
	char *argv[IDMAP_MAX * 3 + 4];
	size_t n = 0;
	argv[n++] = (char *)helper;
	snprintf(args[0], sizeof args[0], "%d", pid);
	argv[n++] = args[0];
	for (size_t i = 0; i < m->n; i++) {
		uint32_t v[3] = {m->r[i].inside, m->r[i].outside, m->r[i].count};
		for (int k = 0; k < 3; k++) {
			snprintf(args[n], sizeof args[n], "%u", v[k]);
			argv[n] = args[n];
			n++;
		}
	}
	argv[n] = NULL;
	return posix_spawn(child, helper, NULL, NULL, argv, environ);
}

static int wait_helper(pid_t child, int spawn_err, const char *helper, struct clan_err *err)
{
	int status;
	if (spawn_err)
		return clan_error(err, spawn_err, "cannot start %s", helper);
	if (wait_child(child, &status) < 0)
		return clan_error(err, errno, "cannot wait for %s", helper);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return clan_error(err, 0,
				  "%s failed (exit %d); check /etc/subuid and /etc/subgid, or use "
				  "--userns single",
				  helper, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 0;
}

/* Both helpers are setuid programs costing about 4 ms each here (their
 * libraries load in secure mode): run them at once. */
static int write_with_helpers(pid_t pid, const struct userns_plan *p, struct clan_err *err)
{
	pid_t u = 0, g = 0;
	int eu = spawn_helper(p->newuidmap, pid, &p->uid, &u);
	int eg = spawn_helper(p->newgidmap, pid, &p->gid, &g);
	int ru = wait_helper(u, eu, p->newuidmap, err);
	struct clan_err gerr;
	int rg = wait_helper(g, eg, p->newgidmap, &gerr);
	if (ru == 0 && rg < 0)
		*err = gerr;
	return ru < 0 || rg < 0 ? -1 : 0;
}

int userns_write_maps(pid_t pid, const struct userns_plan *p, struct clan_err *err)
{
	if (p->use_helpers)
		return write_with_helpers(pid, p, err);

	char path[64], text[256];
	if (!p->host_root && getuid() != 0) {
		/* An unprivileged writer must deny setgroups before gid_map. */
		snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
		if (write_existing(path, "deny", err) < 0)
			return -1;
	}
	snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
	idmap_format(&p->uid, text, sizeof text);
	if (write_existing(path, text, err) < 0)
		return -1;
	snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
	idmap_format(&p->gid, text, sizeof text);
	return write_existing(path, text, err);
}

bool userns_gid_mapped(const struct userns_plan *p, uint32_t gid)
{
	uint32_t host;
	return idmap_to_host(&p->gid, gid, &host);
}

const char *userns_mode_name(enum userns_mode m)
{
	static const char *const names[] = {"auto", "single", "subuid", "host"};
	return names[m];
}
