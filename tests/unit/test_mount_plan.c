/* Unit tests for rootless/mount_plan: the mounts that make a container's
 * root, their order, the volume target refusals and the --debug lines. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mount.h>

#include "fs/mount_plan.h"
#include "tap.h"
#include "base/util.h"

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

static bool build(const struct mount_plan_input *in, struct mount_plan *p, struct clan_err *err)
{
	*p = (struct mount_plan){0};
	err->code = 0;
	err->msg[0] = '\0';
	return mount_plan_build(in, p, err) == 0;
}

/* 1 proc, 1 sys, 11 masked, 5 read-only, /dev tmpfs, 6 nodes, devpts, shm,
 * 6 symlinks. */
#define BASE_OPS 33

TEST(base_plan_order_and_count)
{
	struct mount_plan_input in = {0};
	struct mount_plan p;
	struct clan_err err;
	CHECK(build(&in, &p, &err));
	CHECK(p.n == BASE_OPS);
	CHECK(p.ops[0].kind == MOP_PROC);
	CHECK_STR(p.ops[0].dst, "/proc");
	CHECK_STR(p.ops[0].src, "proc");
	CHECK(!p.ops[0].ro);
	CHECK(p.ops[1].kind == MOP_SYS);
	CHECK_STR(p.ops[1].dst, "/sys");
	CHECK(p.ops[1].ro);
	/* without our own netns, a fresh sysfs is not allowed: bind the host's */
	CHECK_STR(p.ops[1].src, "/sys");
	for (size_t i = 0; i < p.n; i++) {
		CHECK(!p.ops[i].user);
		CHECK(p.ops[i].dst && p.ops[i].dst[0] == '/');
	}
	mount_plan_free(&p);
	CHECK(p.n == 0 && p.ops == NULL);
}

TEST(sysfs_with_own_netns)
{
	struct mount_plan_input in = {.new_netns = true};
	struct mount_plan p;
	struct clan_err err;
	CHECK(build(&in, &p, &err));
	CHECK(p.ops[1].kind == MOP_SYS && p.ops[1].ro);
	CHECK_STR(p.ops[1].src, "sysfs");
	mount_plan_free(&p);
}

TEST(masked_paths)
{
	static const char *const masked[] = {
	    "/proc/acpi",
	    "/proc/asound",
	    "/proc/kcore",
	    "/proc/keys",
	    "/proc/latency_stats",
	    "/proc/timer_list",
	    "/proc/timer_stats",
	    "/proc/sched_debug",
	    "/proc/scsi",
	    "/sys/firmware",
	    "/sys/devices/virtual/powercap",
	};
	struct mount_plan_input in = {0};
	struct mount_plan p;
	struct clan_err err;
	CHECK(build(&in, &p, &err));
	size_t proc_at = 0, sys_at = 0;
	CHECK(find_op(&p, "/proc", &proc_at) && find_op(&p, "/sys", &sys_at));
	for (size_t i = 0; i < ARRAY_SIZE(masked); i++) {
		size_t at = 0;
		const struct mount_op *op = find_op(&p, masked[i], &at);
		if (!op)
			printf("#   not masked: %s\n", masked[i]);
		CHECK(op && op->kind == MOP_MASK && op->ro && op->src == NULL);
		CHECK(at > proc_at && at > sys_at); /* after the mount they hide part of */
	}
	size_t n = 0;
	for (size_t i = 0; i < p.n; i++)
		n += p.ops[i].kind == MOP_MASK;
	CHECK(n == ARRAY_SIZE(masked));
	mount_plan_free(&p);
}

TEST(readonly_paths)
{
	static const char *const ro[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					 "/proc/sysrq-trigger"};
	struct mount_plan_input in = {0};
	struct mount_plan p;
	struct clan_err err;
	CHECK(build(&in, &p, &err));
	for (size_t i = 0; i < ARRAY_SIZE(ro); i++) {
		size_t at = 0;
		const struct mount_op *op = find_op(&p, ro[i], &at);
		if (!op)
			printf("#   not read-only: %s\n", ro[i]);
		CHECK(op && op->kind == MOP_RO && op->ro && op->src == NULL);
		CHECK(at > 0);
	}
	size_t n = 0;
	for (size_t i = 0; i < p.n; i++)
		n += p.ops[i].kind == MOP_RO;
	CHECK(n == ARRAY_SIZE(ro));
	mount_plan_free(&p);
}

TEST(dev_tmpfs_and_nodes)
{
	static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
	struct mount_plan_input in = {0};
	struct mount_plan p;
	struct clan_err err;
	CHECK(build(&in, &p, &err));
	size_t dev_at = 0;
	const struct mount_op *dev = find_op(&p, "/dev", &dev_at);
	CHECK(dev && dev->kind == MOP_TMPFS && !dev->ro);
	CHECK(dev && dev->data && strcmp(dev->data, "mode=755,size=65536k") == 0);
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		char path[32];
		size_t at = 0;
		snprintf(path, sizeof path, "/dev/%s", nodes[i]);
		const struct mount_op *op = find_op(&p, path, &at);
		CHECK(op && op->kind == MOP_BIND && !op->ro && !op->user);
		CHECK(op && op->src && strcmp(op->src, path) == 0);
		CHECK(at == dev_at + 1 + i); /* right after the tmpfs, in this order */
	}
	/* nothing else of the host's /dev */
	size_t binds = 0;
	for (size_t i = 0; i < p.n; i++)
		binds += p.ops[i].kind == MOP_BIND;
	CHECK(binds == ARRAY_SIZE(nodes));

	size_t shm_at = 0;
	const struct mount_op *shm = find_op(&p, "/dev/shm", &shm_at);
	CHECK(shm && shm->kind == MOP_TMPFS);
	CHECK(shm && shm->data && strcmp(shm->data, "mode=1777,size=65536k") == 0);
	CHECK(shm_at > dev_at);
	mount_plan_free(&p);
}

TEST(dev_symlinks)
{
	static const char *const links[][2] = {
	    {"/dev/fd", "/proc/self/fd"},	{"/dev/stdin", "/proc/self/fd/0"},
	    {"/dev/stdout", "/proc/self/fd/1"}, {"/dev/stderr", "/proc/self/fd/2"},
	    {"/dev/ptmx", "pts/ptmx"},		{"/dev/core", "/proc/kcore"},
	};
	struct mount_plan_input in = {0};
	struct mount_plan p;
	struct clan_err err;
	CHECK(build(&in, &p, &err));
	size_t dev_at = 0, pts_at = 0;
	CHECK(find_op(&p, "/dev", &dev_at) && find_op(&p, "/dev/pts", &pts_at));
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		size_t at = 0;
		const struct mount_op *op = find_op(&p, links[i][0], &at);
		CHECK(op && op->kind == MOP_SYMLINK);
		CHECK(op && op->src && strcmp(op->src, links[i][1]) == 0);
		CHECK(at > dev_at && at > pts_at);
	}
	mount_plan_free(&p);
}

TEST(devpts_gid5_only_when_mapped)
{
	struct mount_plan_input in = {0};
	struct mount_plan p;
	struct clan_err err;
	CHECK(build(&in, &p, &err));
	const struct mount_op *op = find_op(&p, "/dev/pts", NULL);
	CHECK(op && op->kind == MOP_DEVPTS);
	CHECK(op && op->data && strcmp(op->data, "newinstance,ptmxmode=0666,mode=0620") == 0);
	CHECK(op && op->data && !strstr(op->data, "gid="));
	mount_plan_free(&p);

	in.gid5_mapped = true;
	CHECK(build(&in, &p, &err));
	op = find_op(&p, "/dev/pts", NULL);
	CHECK(op && op->kind == MOP_DEVPTS);
	CHECK(op && op->data && strcmp(op->data, "newinstance,ptmxmode=0666,mode=0620,gid=5") == 0);
	mount_plan_free(&p);
}

TEST(etc_files_when_etc_dir)
{
	struct mount_plan_input in = {0};
	struct mount_plan p;
	struct clan_err err;
	CHECK(build(&in, &p, &err));
	CHECK(!find_op(&p, "/etc/hosts", NULL));
	CHECK(!find_op(&p, "/etc/resolv.conf", NULL));
	CHECK(!find_op(&p, "/etc/hostname", NULL));
	mount_plan_free(&p);

	in.etc_dir = "/run/c1/etc";
	CHECK(build(&in, &p, &err));
	CHECK(p.n == BASE_OPS + 3);
	CHECK_STR(mount_plan_etc_files[0], "hosts");
	CHECK_STR(mount_plan_etc_files[1], "resolv.conf");
	CHECK_STR(mount_plan_etc_files[2], "hostname");
	static const char *const want[][2] = {
	    {"/run/c1/etc/hosts", "/etc/hosts"},
	    {"/run/c1/etc/resolv.conf", "/etc/resolv.conf"},
	    {"/run/c1/etc/hostname", "/etc/hostname"},
	};
	for (size_t i = 0; i < 3; i++) {
		const struct mount_op *op = &p.ops[BASE_OPS + i];
		CHECK(op->kind == MOP_BIND && !op->ro && !op->user);
		CHECK_STR(op->src, want[i][0]);
		CHECK_STR(op->dst, want[i][1]);
	}
	mount_plan_free(&p);
}

TEST(user_binds_last_with_clean_dst)
{
	struct bind_spec binds[] = {
	    {.src = "/host/a", .dst = "/data/"},
	    {.src = "./rel", .dst = "/x/./y/../z", .ro = true},
	    {.src = "/host/c", .dst = "//srv//www"},
	    {.src = "/host/d", .dst = "/data/sub"}, /* nested: fine, mounted after /data */
	};
	struct mount_plan_input in = {
	    .binds = binds, .nbinds = ARRAY_SIZE(binds), .etc_dir = "/e", .gid5_mapped = true};
	struct mount_plan p;
	struct clan_err err;
	CHECK(build(&in, &p, &err));
	CHECK(p.n == BASE_OPS + 3 + ARRAY_SIZE(binds));
	static const char *const dst[] = {"/data", "/x/z", "/srv/www", "/data/sub"};
	for (size_t i = 0; i < ARRAY_SIZE(binds) && p.n == BASE_OPS + 3 + ARRAY_SIZE(binds); i++) {
		const struct mount_op *op = &p.ops[BASE_OPS + 3 + i];
		CHECK(op->kind == MOP_BIND && op->user);
		CHECK(op->ro == binds[i].ro);
		CHECK_STR(op->src, binds[i].src);
		CHECK_STR(op->dst, dst[i]);
		CHECK(op->data == NULL);
	}
	/* the plan owns copies */
	CHECK(p.ops[BASE_OPS + 3].src != binds[0].src);
	mount_plan_free(&p);
}

/* Whether a plan with these volume targets is refused with exit code 2 (the
 * message is left in err); a refused build must leave the output empty. */
static bool refused_(const char *const *dsts, size_t n, struct clan_err *err, int *tap_failed)
{
	struct bind_spec binds[4];
	for (size_t i = 0; i < n; i++)
		binds[i] = (struct bind_spec){.src = "/h", .dst = (char *)dsts[i]};
	struct mount_plan_input in = {.binds = binds, .nbinds = n, .etc_dir = "/e"};
	struct mount_plan p;
	bool ok = build(&in, &p, err);
	if (ok)
		mount_plan_free(&p);
	else
		CHECK(p.ops == NULL && p.n == 0);
	return !ok && err->code == 2;
}
#define refused(dsts, n, err) refused_(dsts, n, err, tap_failed)

TEST(refuses_reserved_targets)
{
	struct clan_err err;
	static const char *const root[] = {"/", "//", "/.", "/a/..", "/.."};
	for (size_t i = 0; i < ARRAY_SIZE(root); i++) {
		char want[128];
		snprintf(want, sizeof want, "run: cannot mount a volume over / ('%s')", root[i]);
		CHECK(refused(&root[i], 1, &err));
		CHECK_STR(err.msg, want);
	}
	static const char *const reserved[][2] = {
	    {"/proc", "/proc"},	  {"/proc/sys", "/proc"},     {"/proc/self/x/", "/proc"},
	    {"/sys", "/sys"},	  {"/sys/fs/cgroup", "/sys"}, {"/dev", "/dev"},
	    {"/dev/shm", "/dev"}, {"/dev/../dev/x", "/dev"},  {"/x/../proc", "/proc"},
	    {"//sys//", "/sys"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++) {
		_cleanup_free_ char *clean = NULL;
		char want[160];
		CHECK(refused(&reserved[i][0], 1, &err));
		if (strcmp(reserved[i][0], "/dev/../dev/x") == 0)
			clean = xstrdup("/dev/x");
		else if (strcmp(reserved[i][0], "/proc/self/x/") == 0)
			clean = xstrdup("/proc/self/x");
		else if (strcmp(reserved[i][0], "/x/../proc") == 0)
			clean = xstrdup("/proc");
		else if (strcmp(reserved[i][0], "//sys//") == 0)
			clean = xstrdup("/sys");
		else
			clean = xstrdup(reserved[i][0]);
		snprintf(want, sizeof want,
			 "run: cannot mount a volume on %s: %s belongs to the runtime", clean,
			 reserved[i][1]);
		CHECK_STR(err.msg, want);
	}
	/* names that only start like a reserved dir are fine */
	static const char *const fine[] = {"/proceed", "/system", "/devices", "/etc/proc", "/d"};
	for (size_t i = 0; i < ARRAY_SIZE(fine); i++) {
		struct bind_spec b = {.src = "/h", .dst = (char *)fine[i]};
		struct mount_plan_input in = {.binds = &b, .nbinds = 1};
		struct mount_plan p;
		CHECK(build(&in, &p, &err));
		mount_plan_free(&p);
	}
}

TEST(refuses_same_target_twice)
{
	struct clan_err err;
	static const char *const twice[][2] = {
	    {"/data", "/data"},
	    {"/data", "/data/"},
	    {"/data/", "/x/../data"},
	    {"//data", "/./data"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(twice); i++) {
		CHECK(refused(twice[i], 2, &err));
		CHECK_STR(err.msg, "run: two volumes mount on /data");
	}
	/* the first refusal wins: a reserved target before a duplicate */
	static const char *const three[] = {"/data", "/proc", "/data"};
	CHECK(refused(three, 3, &err));
	CHECK_STR(err.msg, "run: cannot mount a volume on /proc: /proc belongs to the runtime");
	/* a volume over a generated /etc file is allowed: it is mounted later */
	static const char *const hosts[] = {"/etc/hosts"};
	CHECK(!refused(hosts, 1, &err));
}

TEST(describe_lines)
{
	struct bind_spec binds[] = {
	    {.src = "/host/a", .dst = "/data", .ro = true},
	    {.src = "/host/b", .dst = "/rw"},
	};
	struct mount_plan_input in = {.binds = binds, .nbinds = 2, .gid5_mapped = true};
	struct mount_plan p;
	struct clan_err err;
	char buf[256];
	CHECK(build(&in, &p, &err));
	static const char *const want[][2] = {
	    {"/proc", "proc    /proc <- proc"},
	    {"/sys", "sys     /sys <- /sys"},
	    {"/proc/kcore", "mask    /proc/kcore"},
	    {"/proc/sys", "ro      /proc/sys"},
	    {"/dev", "tmpfs   /dev <- tmpfs mode=755,size=65536k"},
	    {"/dev/null", "bind    /dev/null <- /dev/null"},
	    {"/dev/pts", "devpts  /dev/pts <- devpts newinstance,ptmxmode=0666,mode=0620,gid=5"},
	    {"/dev/shm", "tmpfs   /dev/shm <- shm mode=1777,size=65536k"},
	    {"/dev/fd", "symlink /dev/fd <- /proc/self/fd"},
	    {"/data", "bind    /data <- /host/a (ro)"},
	    {"/rw", "bind    /rw <- /host/b"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct mount_op *op = find_op(&p, want[i][0], NULL);
		CHECK(op != NULL);
		if (!op)
			continue;
		mount_op_describe(op, buf, sizeof buf);
		CHECK_STR(buf, want[i][1]);
	}
	/* a short buffer truncates, and the (ro) suffix does not overflow it */
	const struct mount_op *data = find_op(&p, "/data", NULL);
	CHECK(data != NULL);
	if (data) {
		memset(buf, 'X', sizeof buf);
		mount_op_describe(data, buf, 8);
		CHECK_STR(buf, "bind   ");
		CHECK(buf[8] == 'X');
		memset(buf, 'X', sizeof buf);
		mount_op_describe(data, buf, 24);
		CHECK_STR(buf, "bind    /data <- /host/");
		CHECK(buf[24] == 'X');
		memset(buf, 'X', sizeof buf);
		mount_op_describe(data, buf, 27);
		CHECK_STR(buf, "bind    /data <- /host/a (");
		CHECK(buf[27] == 'X');
	}
	mount_plan_free(&p);
}

/* --tmpfs: a user's mount like a volume */
#define TMPFS_DEFAULTS (MS_NOEXEC | MS_NOSUID | MS_NODEV)

static bool parse_tmpfs(const char *text, struct tmpfs_spec *t)
{
	struct clan_err err;
	return tmpfs_spec_parse(text, t, &err) == 0;
}

TEST(tmpfs_like_a_volume)
{
	struct tmpfs_spec t[2];
	struct clan_err err;
	CHECK(parse_tmpfs("/vol/sub:size=1m,mode=700,ro", &t[0]));
	CHECK(parse_tmpfs("/run//x/", &t[1]));
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
	CHECK(a && a->flags == (TMPFS_DEFAULTS | MS_RDONLY));
	CHECK(a && a->data && strcmp(a->data, "mode=700,size=1048576") == 0);
	CHECK(c && c->kind == MOP_TMPFS && c->user && c->follow && !c->ro && !c->data);
	char line[256];
	if (a) {
		mount_op_describe(a, line, sizeof line);
		CHECK_STR(line, "tmpfs   /vol/sub <- tmpfs mode=700,size=1048576 (ro)");
	}
	/* the runtime's own tmpfs keep theirs */
	const struct mount_op *shm = find_op(&p, "/dev/shm", NULL);
	CHECK(shm && !shm->user && shm->flags == TMPFS_DEFAULTS);
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

TEST(tmpfs_refusals)
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

/* --device: a node may go below the runtime's /dev (a volume may not),
 * never on /dev itself or its own mounts; bound as it is, target taking
 * no symlink. */
TEST(device_targets)
{
	struct clan_err err;
	static const char *const ok[] = {"/dev/mynull", "/dev/snd/pcm0", "/dev/null", "/xvdc"};
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		struct bind_spec b = {.src = "/dev/null",
				      .dst = (char *)ok[i],
				      .device = true,
				      .ro = true,
				      .pin_fd = -1};
		struct mount_plan_input in = {.binds = &b, .nbinds = 1};
		struct mount_plan p;
		CHECK(build(&in, &p, &err));
		const struct mount_op *op = find_op(&p, ok[i], NULL);
		/* /dev/null: the runtime's own comes first, the device's last */
		for (size_t k = 0; k < p.n; k++)
			if (strcmp(p.ops[k].dst, ok[i]) == 0)
				op = &p.ops[k];
		CHECK(op && op->device && op->user && op->ro && !op->follow);
		mount_plan_free(&p);
	}
	static const char *const bad[][2] = {
	    {"/dev", "/dev"},
	    {"/dev/", "/dev"},
	    {"/dev/pts/0", "/dev/pts"},
	    {"/dev/shm", "/dev/shm"},
	    {"/proc/x", "/proc"},
	    {"/sys/x", "/sys"},
	    {"/dev/../proc/kcore", "/proc"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct bind_spec b = {
		    .src = "/dev/null", .dst = (char *)bad[i][0], .device = true, .pin_fd = -1};
		struct mount_plan_input in = {.binds = &b, .nbinds = 1};
		struct mount_plan p;
		CHECK(!build(&in, &p, &err));
		CHECK(err.code == CLAN_EXIT_USAGE);
		CHECK(strstr(err.msg, "cannot mount a device on") && strstr(err.msg, bad[i][1]));
	}
	struct bind_spec root = {.src = "/dev/null", .dst = "/", .device = true, .pin_fd = -1};
	struct mount_plan_input in = {.binds = &root, .nbinds = 1};
	struct mount_plan p;
	CHECK(!build(&in, &p, &err));
	CHECK_STR(err.msg, "run: cannot mount a device over / ('/')");
	/* a device and a volume on one target */
	struct bind_spec two[] = {
	    {.src = "/h", .dst = "/data", .pin_fd = -1},
	    {.src = "/dev/null", .dst = "/data", .device = true, .pin_fd = -1}};
	in = (struct mount_plan_input){.binds = two, .nbinds = 2};
	CHECK(!build(&in, &p, &err));
	CHECK_STR(err.msg, "run: two devices or volumes mount on /data");
	/* a volume under /dev stays refused */
	struct bind_spec vol = {.src = "/h", .dst = "/dev/x", .pin_fd = -1};
	in = (struct mount_plan_input){.binds = &vol, .nbinds = 1};
	CHECK(!build(&in, &p, &err));
	CHECK_STR(err.msg, "run: cannot mount a volume on /dev/x: /dev belongs to the runtime");
}
