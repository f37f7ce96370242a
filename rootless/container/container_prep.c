/* A container before its clone: the image, the user, the id maps, the
 * environment, the generated /etc files, the record and the mount plan. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/progress.h"
#include "base/debug.h"
#include "container/container_int.h"
#include "netns/hosts.h"
#include "base/paths.h"
#include "base/util.h"
#include "ns/caps.h"

void prepared_free(struct prepared *p)
{
	image_free(&p->img);
	container_rec_free(&p->rec);
	mount_plan_free(&p->plan);
	container_net_stop(&p->net, true);
	seccomp_bpf_free(&p->seccomp);
	strv_free(&p->env);
	strv_free(&p->argv);
	free(p->storage);
	free(p->etc_dir);
	for (size_t i = 0; i < ETC_FILES; i++)
		free(p->etc_texts[i]);
}

void env_merge(struct strv *into, const struct strv *add)
{
	for (size_t i = 0; i < add->n; i++) {
		size_t klen = strcspn(add->v[i], "=");
		size_t j = 0;
		for (; j < into->n; j++)
			if (strncmp(into->v[j], add->v[i], klen) == 0 && into->v[j][klen] == '=')
				break;
		if (j < into->n) {
			free(into->v[j]);
			into->v[j] = xstrdup(add->v[i]);
		} else {
			strv_push(into, add->v[i]);
		}
	}
}

static int resolve_user(const struct container_spec *s, struct prepared *p, struct clan_err *err)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	const char *user = s->user ? s->user : p->img.user;
	image_read_file(&p->img, "etc/passwd", 1 << 20, &passwd);
	image_read_file(&p->img, "etc/group", 1 << 20, &group);
	if (user_resolve(user ? user : "0", passwd, group, &p->user, err) < 0)
		return clan_error_wrap(err, "run");
	if (!user && strcmp(p->user.home, "/") == 0)
		snprintf(p->user.home, sizeof p->user.home, "/root");
	return 0;
}

static void build_env(const struct container_spec *s, struct prepared *p, const char *hostname)
{
	struct strv base = {0};
	strv_push(&base, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_push_owned(&base, xasprintf("HOSTNAME=%s", hostname));
	strv_push_owned(&base, xasprintf("HOME=%s", p->user.home));
	if (s->tty)
		strv_push(&base, "TERM=xterm");
	env_merge(&p->env, &base);
	env_merge(&p->env, &p->img.env);
	env_merge(&p->env, &s->env);
	strv_free(&base);
}

/* The texts of /etc/hosts, resolv.conf and hostname; the child writes
 * them (into its private tmpfs for --rm). */
static void make_etc_texts(const struct container_spec *s, struct prepared *p)
{
	_cleanup_free_ char *host_hosts = NULL, *host_resolv = NULL;
	struct clan_err ignored;
	/* container:NAME has NAME's network, which answers to its name on
	 * loopback */
	const char *net = s->net == NET_CONTAINER ? p->net.target.network
			  : s->net == NET_POD	  ? "slirp4netns"
						  : net_mode_name(s->net);
	bool slirp = strcmp(net, "slirp4netns") == 0, host = strcmp(net, "host") == 0;
	if (host)
		read_file("/etc/hosts", 1 << 20, &host_hosts, &ignored);
	if (host || slirp)
		read_file("/etc/resolv.conf", 1 << 20, &host_resolv, &ignored);
	struct strv local = {0};
	if (s->net == NET_CONTAINER)
		strv_push(&local, p->net.target.name);
	for (size_t i = 0; i < s->local_names.n; i++)
		strv_push(&local, s->local_names.v[i]);
	struct hosts_input hi = {.hostname = p->hostname,
				 .host_hosts = host_hosts,
				 .own_ip = slirp ? SLIRP_GUEST_IP : NULL,
				 .local_names = &local,
				 .extra = &s->add_hosts,
				 .host_gateway = slirp && s->allow_host_loopback};
	p->etc_texts[0] = hosts_file_text(&hi);
	strv_free(&local);
	p->etc_texts[1] = resolv_file_text(host_resolv, slirp ? SLIRP_DNS_IP : NULL);
	p->etc_texts[2] = xasprintf("%s\n", p->hostname);
	p->etc_dir = xasprintf("%s/etc", p->rec.dir);
}

static void debug_userns(const struct prepared *p)
{
	if (!clan_debug_on())
		return;
	char u[128], g[128];
	idmap_format(&p->userns.uid, u, sizeof u);
	idmap_format(&p->userns.gid, g, sizeof g);
	for (char *c = u; *c; c++)
		if (*c == '\n')
			*c = c[1] ? ',' : '\0';
	for (char *c = g; *c; c++)
		if (*c == '\n')
			*c = c[1] ? ',' : '\0';
	clan_debug("userns %s%s: uid_map %s; gid_map %s", userns_mode_name(p->userns.mode),
		   p->userns.host_root ? " (host root)" : "", u, g);
}

/* container:NAME shares NAME's user namespace (a network namespace can
 * only be joined from the user namespace that owns it): its maps, and the
 * user must be one of them. */
static int join_target_userns(struct prepared *p, struct clan_err *err)
{
	const struct container_rec *t = &p->net.target;
	p->userns.mode = strcmp(t->userns, "subuid") == 0 ? USERNS_SUBUID : USERNS_SINGLE;
	p->userns.uid = t->uidmap;
	p->userns.gid = t->gidmap;
	uint32_t host;
	if (!idmap_to_host(&t->uidmap, p->user.uid, &host) ||
	    !idmap_to_host(&t->gidmap, p->user.gid, &host))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: user %u:%u is not mapped in the user namespace of "
				       "container %s; pick a -u it has (it was started with "
				       "--userns %s)",
				       p->user.uid, p->user.gid, t->name, t->userns);
	return 0;
}

/* NET_POD: the service's user namespace is nested in the pod's; its maps
 * are the usual ones (host ids) rebased onto the pod's inside ids. */
static int plan_nested(const struct container_spec *s, struct prepared *p, struct clan_err *err)
{
	p->nested =
	    (struct userns_plan){.mode = s->pod.mode, .host_root = s->pod.mode != USERNS_SINGLE};
	if (!idmap_rebase(&p->userns.uid, &s->pod.uid, &p->nested.uid) ||
	    !idmap_rebase(&p->userns.gid, &s->pod.gid, &p->nested.gid))
		return clan_error_code(err, CLAN_EXIT_SETUP,
				       "user %u:%u cannot be mapped inside the stack's user "
				       "namespace",
				       p->user.uid, p->user.gid);
	return 0;
}

/* One mapped id keeps the user's supplementary groups (setgroups is
 * denied there); with a range the container's own groups replace them,
 * and a device open to the user through a group only would fail inside
 * with a bare EACCES. */
static int check_device_groups(const struct container_spec *s, const struct prepared *p,
			       struct clan_err *err)
{
	if (p->userns.mode == USERNS_SINGLE || p->userns.mode == USERNS_HOST)
		return 0;
	for (size_t i = 0; i < s->nbinds; i++)
		if (s->binds[i].group_only)
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "run: device %s is open to you through a group only, and a "
			    "container with a subuid range drops your groups; %s",
			    s->binds[i].src,
			    s->service
				? "make the device yours (a udev rule), or its mode let you in"
				: "use --userns single (one mapped id keeps them), or make the "
				  "device yours (a udev rule)");
	return 0;
}

int prepare(const struct container_spec *s, struct prepared *p, struct clan_err *err)
{
	struct image_resolve_opts ro = {.userns = s->userns};
	if (s->image)
		image_copy(s->image, &p->img);
	else if (image_resolve(s->image_ref, &ro, &p->img, err) < 0)
		return clan_error_wrap(err, "run");
	/* docker's rule: the entrypoint, then the given command or the
	 * image's; a new entrypoint drops the image's command, an empty one
	 * (compose's `entrypoint: []`) keeps it, as the engine merges them */
	const struct strv *ep = s->entrypoint_set ? &s->entrypoint : &p->img.entrypoint;
	static const struct strv none = {0};
	const struct strv *cmd = s->cmd.n ? &s->cmd : s->entrypoint.n ? &none : &p->img.cmd;
	for (size_t i = 0; i < ep->n; i++)
		strv_push(&p->argv, ep->v[i]);
	for (size_t i = 0; i < cmd->n; i++)
		strv_push(&p->argv, cmd->v[i]);
	if (p->argv.n == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: no command given and image %s has none; add one, "
				       "e.g. clan run %s /bin/sh",
				       s->image_ref, s->image_ref);
	p->storage = paths_storage_dir();
	if (resolve_user(s, p, err) < 0 ||
	    userns_plan_container(s->userns, p->storage, p->user.uid, p->user.gid, &p->userns,
				  err) < 0 ||
	    container_net_prepare(s, p->storage, &p->net, err) < 0 ||
	    (p->net.have_target && join_target_userns(p, err) < 0) ||
	    (s->net == NET_POD && plan_nested(s, p, err) < 0))
		return -1;
	debug_userns(p);
	if (check_device_groups(s, p, err) < 0)
		return -1;
	/* the filter allows what the capabilities allow, as Docker's does */
	if (caps_mask_for(&s->cap_add, &s->cap_drop, &p->caps, err) < 0)
		return clan_error_wrap(err, "run");
	/* a capability is only harmless where the container's root is no
	 * host root: with the identity map (root on a kernel without
	 * idmapped mounts for us) or the host's namespace, SYS_ADMIN could
	 * unmount the masks over /proc/sys and write as host root */
	if ((p->caps & ~caps_default_mask()) &&
	    (p->userns.host_root || p->userns.mode == USERNS_HOST))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: --cap-add (cap_add:) beyond the default set needs a "
				       "user namespace whose root is not host root; here the "
				       "container's root would be the host's (%s)",
				       p->userns.mode == USERNS_HOST ? "--userns host"
								     : "started by root");
	/* one filter: the profile, and in single-id mode the fake chown (and
	 * for a build's RUN the fake id calls) */
	bool single = p->userns.mode == USERNS_SINGLE && !p->userns.host_root;
	unsigned fake = !single	      ? 0
			: s->fake_ids ? SECCOMP_FAKE_CHOWN | SECCOMP_FAKE_IDS | SECCOMP_RECORD_CHOWN
				      : SECCOMP_FAKE_CHOWN;
	if (seccomp_filter_for(s->seccomp, fake, p->caps, p->storage, &p->seccomp, err) < 0)
		return -1;
	if (s->hostname && (strlen(s->hostname) > 64 || !*s->hostname))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: bad --hostname '%s': 1 to 64 characters", s->hostname);
	if (s->tty && s->interactive && !isatty(STDIN_FILENO))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "run: -it: the input device is not a terminal; drop -t to "
				       "pipe input (clan run -i ...)");
	if (ulimits_check(s->ulimits, s->nulimits, err) < 0)
		return clan_error_wrap(err, "run");
	struct mount_plan_input check = {
	    .binds = s->binds, .nbinds = s->nbinds, .tmpfs = s->tmpfs, .ntmpfs = s->ntmpfs};
	if (mount_plan_build(&check, &p->plan, err) < 0)
		return -1;
	mount_plan_free(&p->plan);
	return 0;
}

/* The container's record, dir and mount plan: from here on there is
 * something on disk to finish or remove, so signals are blocked. */
int create_record(const struct container_spec *s, struct prepared *p, struct clan_err *err)
{
	if (store_create(p->storage, s, p->img.id, userns_mode_name(p->userns.mode), &p->userns.uid,
			 &p->userns.gid, &p->rec, err) < 0)
		return -1;
	p->have_rec = true;
	/* docker's default hostname: the short id */
	snprintf(p->hostname, sizeof p->hostname, "%.*s", s->hostname ? 255 : 12,
		 s->hostname ? s->hostname : p->rec.id);
	build_env(s, p, p->hostname);
	make_etc_texts(s, p);
	/* what `clan exec` applies to its processes */
	_cleanup_free_ char *bpf = xasprintf("%s/seccomp.bpf", p->rec.dir);
	if (seccomp_bpf_save(&p->seccomp, bpf, err) < 0)
		return -1;
	struct mount_plan_input in = {
	    .binds = s->binds,
	    .nbinds = s->nbinds,
	    .tmpfs = s->tmpfs,
	    .ntmpfs = s->ntmpfs,
	    .shm_size = s->shm_size,
	    /* sysfs only in a network namespace the container's own user
	     * namespace owns */
	    .new_netns = s->net == NET_SLIRP || s->net == NET_NONE,
	    .gid5_mapped = userns_gid_mapped(&p->userns, 5),
	    .etc_dir = p->etc_dir,
	    .uid = p->user.uid,
	    .gid = p->user.gid,
	};
	return mount_plan_build(&in, &p->plan, err);
}
