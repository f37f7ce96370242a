/* Unit tests for rootless/fs/tmpfs_spec: docker's --tmpfs DST[:OPTS], its
 * defaults (rw,noexec,nosuid,nodev), sizes, modes and every refusal; and
 * a tmpfs in the mount plan, where it is a user's mount like a volume. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mount.h>

#include "fs/mount_plan.h"
#include "fs/tmpfs_spec.h"
#include "tap.h"
#include "base/util.h"

#define DEFAULTS (MS_NOEXEC | MS_NOSUID | MS_NODEV)

static bool parse(const char *text, struct tmpfs_spec *t, struct clan_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
	return tmpfs_spec_parse(text, t, err) == 0;
}

/* parsed into data (tmpfs_spec_data) and flags */
static bool parses(const char *text, const char *dst, const char *data, unsigned long flags)
{
	struct tmpfs_spec t;
	struct clan_err err;
	if (!parse(text, &t, &err)) {
		printf("#   '%s': %s\n", text, err.msg);
		return false;
	}
	_cleanup_free_ char *d = tmpfs_spec_data(&t);
	bool ok = strcmp(t.dst, dst) == 0 && strcmp(d, data) == 0 && t.flags == flags;
	if (!ok)
		printf("#   '%s': dst '%s' data '%s' flags %#lx\n", text, t.dst, d, t.flags);
	tmpfs_spec_free(&t);
	return ok;
}

static bool refused(const char *text, const char *what)
{
	struct tmpfs_spec t = {0};
	struct clan_err err;
	if (parse(text, &t, &err) || err.code != CLAN_EXIT_USAGE || t.dst)
		return false;
	if (!strstr(err.msg, what)) {
		printf("#   '%s': %s\n", text, err.msg);
		return false;
	}
	return true;
}

TEST(defaults_as_docker)
{
	CHECK(parses("/run", "/run", "", DEFAULTS));
	CHECK(parses("/run:", "/run", "", DEFAULTS));
	CHECK(parses("/run:rw", "/run", "", DEFAULTS));
}

TEST(options)
{
	CHECK(parses("/x:size=64m", "/x", "size=67108864", DEFAULTS));
	CHECK(parses("/x:size=65536k,mode=1777", "/x", "mode=1777,size=67108864", DEFAULTS));
	CHECK(parses("/x:mode=700", "/x", "mode=700", DEFAULTS));
	CHECK(parses("/x:mode=0", "/x", "mode=0", DEFAULTS));
	CHECK(parses("/x:mode=07777", "/x", "mode=7777", DEFAULTS));
	CHECK(parses("/x:size=100", "/x", "size=100", DEFAULTS));
	/* the kernel's: no limit */
	CHECK(parses("/x:size=0", "/x", "size=0", DEFAULTS));
	CHECK(parses("/x:ro", "/x", "", DEFAULTS | MS_RDONLY));
	CHECK(parses("/x:ro,rw", "/x", "", DEFAULTS));
	CHECK(parses("/x:exec", "/x", "", MS_NOSUID | MS_NODEV));
	CHECK(parses("/x:exec,noexec", "/x", "", DEFAULTS));
	CHECK(parses("/x:suid,dev", "/x", "", MS_NOEXEC));
	CHECK(parses("/x:exec,suid,dev,ro", "/x", "", MS_RDONLY));
	/* the later size wins */
	CHECK(parses("/x:size=1m,size=2k", "/x", "size=2048", DEFAULTS));
	CHECK(parses("/a/b/c:,size=1g,", "/a/b/c", "size=1073741824", DEFAULTS));
}

TEST(refusals)
{
	CHECK(refused("", "must be absolute"));
	CHECK(refused("x", "must be absolute"));
	CHECK(refused("rel/dir:size=1m", "must be absolute"));
	CHECK(refused(":size=1m", "must be absolute"));
	CHECK(refused("/a/../etc", "'..' is not allowed"));
	CHECK(refused("/..", "'..' is not allowed"));
	CHECK(refused("/a/..:ro", "'..' is not allowed"));
	CHECK(refused("/x:size=-1", "expected size=N[k|m|g]"));
	CHECK(refused("/x:size=", "expected size=N[k|m|g]"));
	CHECK(refused("/x:size=1x", "expected size=N[k|m|g]"));
	CHECK(refused("/x:size=50%", "expected size=N[k|m|g]"));
	CHECK(refused("/x:size=99999999999999999999", "expected size=N[k|m|g]"));
	CHECK(refused("/x:size=9999999999g", "expected size=N[k|m|g]"));
	CHECK(refused("/x:mode=99999", "expected an octal mode"));
	CHECK(refused("/x:mode=17777", "expected an octal mode"));
	CHECK(refused("/x:mode=8", "expected an octal mode"));
	CHECK(refused("/x:mode=", "expected an octal mode"));
	CHECK(refused("/x:mode=-1", "expected an octal mode"));
	CHECK(refused("/x:noexc", "did you mean noexec?"));
	CHECK(refused("/x:sise=1m", "did you mean size?"));
	CHECK(refused("/x:uid=0", "unknown option 'uid=0'"));
	CHECK(refused("/x:bind", "unknown option 'bind'"));
}

/* ".." inside a name is a name */
TEST(dots_in_names_are_names)
{
	CHECK(parses("/a..b", "/a..b", "", DEFAULTS));
	CHECK(parses("/..a/b..", "/..a/b..", "", DEFAULTS));
}

static const struct mount_op *find_op(const struct mount_plan *p, const char *dst, size_t *at)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->ops[i].dst, dst) == 0) {
			if (at)
				*at = i;
			return &p->ops[i];
		}
	return NULL;
}

TEST(in_the_plan_like_a_volume)
{
	struct tmpfs_spec t[2];
	struct clan_err err;
	CHECK(parse("/vol/sub:size=1m,mode=700,ro", &t[0], &err));
	CHECK(parse("/run//x/", &t[1], &err));
	struct bind_spec b = {.src = "/host", .dst = "/vol", .pin_fd = -1};
	struct mount_plan_input in = {.binds = &b, .nbinds = 1, .tmpfs = t, .ntmpfs = 2};
	struct mount_plan p = {0};
	CHECK(mount_plan_build(&in, &p, &err) == 0);
	size_t vol = 0, sub = 0, run = 0;
	const struct mount_op *a = find_op(&p, "/vol/sub", &sub);
	const struct mount_op *c = find_op(&p, "/run/x", &run);
	CHECK(find_op(&p, "/vol", &vol) != NULL);
	/* parents first, whatever the kind */
	CHECK(vol < sub);
	CHECK(a && a->kind == MOP_TMPFS && a->user && a->follow && a->ro);
	CHECK(a && a->flags == (DEFAULTS | MS_RDONLY));
	CHECK(a && a->data && strcmp(a->data, "mode=700,size=1048576") == 0);
	CHECK(c && c->kind == MOP_TMPFS && c->user && c->follow && !c->ro && !c->data);
	char line[256];
	if (a) {
		mount_op_describe(a, line, sizeof line);
		CHECK_STR(line, "tmpfs   /vol/sub <- tmpfs mode=700,size=1048576 (ro)");
	}
	/* the runtime's own tmpfs keep theirs */
	const struct mount_op *shm = find_op(&p, "/dev/shm", NULL);
	CHECK(shm && !shm->user && shm->flags == DEFAULTS);
	mount_plan_free(&p);
	tmpfs_spec_free(&t[0]);
	tmpfs_spec_free(&t[1]);
}

/* refused in the plan, as volumes are (exit 2) */
static bool plan_refuses(const char *tmpfs_dst, const char *bind_dst, const char *what)
{
	struct tmpfs_spec t;
	tmpfs_spec_init(&t, tmpfs_dst);
	struct bind_spec b = {.src = "/host", .dst = (char *)bind_dst, .pin_fd = -1};
	struct mount_plan_input in = {
	    .binds = &b, .nbinds = bind_dst ? 1 : 0, .tmpfs = &t, .ntmpfs = 1};
	struct mount_plan p = {0};
	struct clan_err err = {0};
	bool ok = mount_plan_build(&in, &p, &err) < 0 && err.code == CLAN_EXIT_USAGE &&
		  strstr(err.msg, what) && p.n == 0;
	if (!ok)
		printf("#   tmpfs %s: %s\n", tmpfs_dst, err.msg);
	tmpfs_spec_free(&t);
	return ok;
}

TEST(plan_refusals)
{
	CHECK(plan_refuses("/", NULL, "cannot mount a volume over /"));
	CHECK(plan_refuses("/proc", NULL, "belongs to the runtime"));
	CHECK(plan_refuses("/dev/shm", NULL, "belongs to the runtime"));
	CHECK(plan_refuses("/sys/x", NULL, "belongs to the runtime"));
	CHECK(plan_refuses("/data", "/data", "two volumes mount on /data"));
	CHECK(plan_refuses("/data/", "/data", "two volumes mount on /data"));
	/* a spec filled by hand (a compose file) is checked too */
	CHECK(plan_refuses("rel", NULL, "must be absolute"));
	CHECK(plan_refuses("/a/../proc", NULL, "'..' is not allowed"));
}

TEST(shm_size)
{
	struct mount_plan_input in = {.shm_size = 10ULL << 20};
	struct mount_plan p = {0};
	struct clan_err err;
	CHECK(mount_plan_build(&in, &p, &err) == 0);
	const struct mount_op *shm = find_op(&p, "/dev/shm", NULL);
	CHECK(shm && shm->data && strcmp(shm->data, "mode=1777,size=10240k") == 0);
	mount_plan_free(&p);
	in.shm_size = 1000;
	CHECK(mount_plan_build(&in, &p, &err) == 0);
	shm = find_op(&p, "/dev/shm", NULL);
	CHECK(shm && shm->data && strcmp(shm->data, "mode=1777,size=1000") == 0);
	mount_plan_free(&p);
	/* 0: docker's 64m, as before */
	in.shm_size = 0;
	CHECK(mount_plan_build(&in, &p, &err) == 0);
	shm = find_op(&p, "/dev/shm", NULL);
	CHECK(shm && shm->data && strcmp(shm->data, "mode=1777,size=65536k") == 0);
	mount_plan_free(&p);
}
