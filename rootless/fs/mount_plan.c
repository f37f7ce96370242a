#define _GNU_SOURCE
#include "fs/mount_plan.h"

#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "base/safe_path.h"
#include "base/util.h"

/* What runc masks and makes read-only in /proc and /sys. */
static const char *const masked_paths[] = {
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
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
static const char *const dev_nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
static const char *const dev_links[][2] = {
    {"/proc/self/fd", "/dev/fd"},	{"/proc/self/fd/0", "/dev/stdin"},
    {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
    {"pts/ptmx", "/dev/ptmx"},		{"/proc/kcore", "/dev/core"},
};
const char *const mount_plan_etc_files[ETC_FILES] = {"hosts", "resolv.conf", "hostname"};

static void add(struct mount_plan *p, enum mount_op_kind kind, const char *src, const char *dst,
		const char *data, bool ro)
{
	p->ops = xrealloc(p->ops, (p->n + 1) * sizeof *p->ops);
	p->ops[p->n++] = (struct mount_op){
	    .kind = kind,
	    .src = src ? xstrdup(src) : NULL,
	    .dst = xstrdup(dst),
	    .data = data ? xstrdup(data) : NULL,
	    .flags = MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    .ro = ro,
	};
}

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* A device node's target may be below /dev (that is where they go), but
 * not /dev itself or the runtime's own mounts there. */
static bool is_reserved(const char *dst, bool device, const char **which)
{
	static const char *const reserved[] = {"/proc", "/sys", "/dev"};
	static const char *const dev_own[] = {"/proc", "/sys", "/dev/pts", "/dev/shm"};
	const char *const *list = device ? dev_own : reserved;
	size_t n = device ? ARRAY_SIZE(dev_own) : ARRAY_SIZE(reserved);
	for (size_t i = 0; i < n; i++)
		if (is_under(dst, list[i])) {
			*which = list[i];
			return true;
		}
	*which = "/dev";
	return device && strcmp(dst, "/dev") == 0;
}

static int check_volume_target(const struct mount_plan *p, const char *dst, const char *raw,
			       bool device, struct clan_err *err)
{
	const char *what = device ? "device" : "volume", *which;
	if (strcmp(dst, "/") == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "run: cannot mount a %s over / ('%s')",
				       what, raw);
	if (is_reserved(dst, device, &which))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: cannot mount a %s on %s: %s belongs to the runtime",
				       what, dst, which);
	for (size_t i = 0; i < p->n; i++)
		if (p->ops[i].user && strcmp(p->ops[i].dst, dst) == 0)
			return clan_error_code(err, CLAN_EXIT_USAGE, "run: two %s mount on %s",
					       device ? "devices or volumes" : "volumes", dst);
	return 0;
}

static void add_dev(struct mount_plan *p, bool gid5_mapped, uint64_t shm_size)
{
	add(p, MOP_TMPFS, "tmpfs", "/dev", "mode=755,size=65536k", false);
	for (size_t i = 0; i < ARRAY_SIZE(dev_nodes); i++) {
		char src[64], dst[64];
		snprintf(src, sizeof src, "/dev/%s", dev_nodes[i]);
		snprintf(dst, sizeof dst, "/dev/%s", dev_nodes[i]);
		add(p, MOP_BIND, src, dst, NULL, false);
	}
	add(p, MOP_DEVPTS, "devpts", "/dev/pts",
	    gid5_mapped ? "newinstance,ptmxmode=0666,mode=0620,gid=5"
			: "newinstance,ptmxmode=0666,mode=0620",
	    false);
	unsigned long long shm_bytes = shm_size ? shm_size : MOUNT_SHM_DEFAULT;
	_cleanup_free_ char *shm = shm_bytes % 1024
				       ? xasprintf("mode=1777,size=%llu", shm_bytes)
				       : xasprintf("mode=1777,size=%lluk", shm_bytes / 1024);
	add(p, MOP_TMPFS, "shm", "/dev/shm", shm, false);
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		add(p, MOP_SYMLINK, dev_links[i][0], dev_links[i][1], NULL, false);
}

/* --tmpfs: a user's mount like a volume (its target followed inside the
 * root, sorted with the volumes), with its own flags and data. */
static int add_tmpfs(struct mount_plan *p, const struct mount_plan_input *in, struct clan_err *err)
{
	for (size_t i = 0; i < in->ntmpfs; i++) {
		const struct tmpfs_spec *t = &in->tmpfs[i];
		if (tmpfs_check_target(t->dst, err) < 0)
			return -1;
		_cleanup_free_ char *dst = path_clean(t->dst);
		if (check_volume_target(p, dst, t->dst, false, err) < 0)
			return -1;
		_cleanup_free_ char *data = tmpfs_spec_data(t);
		add(p, MOP_TMPFS, "tmpfs", dst, *data ? data : NULL, (t->flags & MS_RDONLY) != 0);
		p->ops[p->n - 1].flags = t->flags;
		p->ops[p->n - 1].user = true;
		p->ops[p->n - 1].follow = true;
	}
	return 0;
}

static size_t depth_of(const char *path)
{
	size_t d = 0;
	for (const char *c = path; *c; c++)
		d += *c == '/';
	return d;
}

/* Volumes mount parents first, as Docker does: -v A:/vol/sub -v B:/vol
 * must not hide A under B. Insertion sort keeps equal depths in order. */
static void sort_by_depth(struct mount_op *ops, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct mount_op cur = ops[i];
		size_t j = i;
		for (; j > 0 && depth_of(ops[j - 1].dst) > depth_of(cur.dst); j--)
			ops[j] = ops[j - 1];
		ops[j] = cur;
	}
}

int mount_plan_build(const struct mount_plan_input *in, struct mount_plan *out,
		     struct clan_err *err)
{
	struct mount_plan p = {0};

	add(&p, MOP_PROC, "proc", "/proc", NULL, false);
	add(&p, MOP_SYS, in->new_netns ? "sysfs" : "/sys", "/sys", NULL, true);
	for (size_t i = 0; i < ARRAY_SIZE(masked_paths); i++)
		add(&p, MOP_MASK, NULL, masked_paths[i], NULL, true);
	for (size_t i = 0; i < ARRAY_SIZE(readonly_paths); i++)
		add(&p, MOP_RO, NULL, readonly_paths[i], NULL, true);
	add_dev(&p, in->gid5_mapped, in->shm_size);
	for (size_t i = 0; in->etc_dir && i < ETC_FILES; i++) {
		_cleanup_free_ char *src = xasprintf("%s/%s", in->etc_dir, mount_plan_etc_files[i]);
		_cleanup_free_ char *dst = xasprintf("/etc/%s", mount_plan_etc_files[i]);
		add(&p, MOP_BIND, src, dst, NULL, false);
		p.ops[p.n - 1].follow = true;
	}
	size_t first_user = p.n;
	for (size_t i = 0; i < in->nbinds; i++) {
		_cleanup_free_ char *dst = path_clean(in->binds[i].dst);
		if (check_volume_target(&p, dst, in->binds[i].dst, in->binds[i].device, err) < 0) {
			mount_plan_free(&p);
			return -1;
		}
		add(&p, MOP_BIND, in->binds[i].src, dst, NULL, in->binds[i].ro);
		p.ops[p.n - 1].user = true;
		/* a device's target takes no symlink: /dev's are the runtime's
		 * (/dev/stdout -> /proc/self/fd/1) and elsewhere the image's */
		p.ops[p.n - 1].follow = !in->binds[i].device;
		p.ops[p.n - 1].populate = in->binds[i].populate;
		p.ops[p.n - 1].uid = in->uid;
		p.ops[p.n - 1].gid = in->gid;
		p.ops[p.n - 1].pinned = in->binds[i].pin_fd >= 0;
		p.ops[p.n - 1].dev = in->binds[i].dev;
		p.ops[p.n - 1].ino = in->binds[i].ino;
		p.ops[p.n - 1].device = in->binds[i].device;
	}
	if (add_tmpfs(&p, in, err) < 0) {
		mount_plan_free(&p);
		return -1;
	}
	sort_by_depth(p.ops + first_user, p.n - first_user);
	*out = p;
	return 0;
}

char *mount_populate_marker(const char *src)
{
	const char *slash = strrchr(src, '/');
	if (!slash)
		return NULL;
	return xasprintf("%.*s/%s", (int)(slash - src), src, MOUNT_POPULATE_MARKER);
}

void mount_plan_free(struct mount_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->ops[i].src);
		free(p->ops[i].dst);
		free(p->ops[i].data);
	}
	free(p->ops);
	*p = (struct mount_plan){0};
}

void mount_op_describe(const struct mount_op *op, char *buf, size_t len)
{
	static const char *const names[] = {"proc", "sys",     "tmpfs", "devpts",
					    "bind", "symlink", "mask",	"ro"};
	snprintf(buf, len, "%-7s %s%s%s%s%s", names[op->kind], op->dst, op->src ? " <- " : "",
		 op->src ? op->src : "", op->data ? " " : "", op->data ? op->data : "");
	if (op->ro && (op->kind == MOP_BIND || (op->kind == MOP_TMPFS && op->user)))
		snprintf(buf + strlen(buf), len - strlen(buf), " (ro)");
}
