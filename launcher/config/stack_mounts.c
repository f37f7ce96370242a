/* A service's mounts: volume = NAME:/dst[:ro] (a named volume clan keeps),
 * bind = SRC:/dst[:ro] (a host path, relative to the project dir), and a
 * named volume SERVICE_BASENAME for each data dir of its profile that
 * nothing is mounted on, so a database outlives `clan down`. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "config/cfgval.h"
#include "base/safe_path.h"
#include "config/stack_int.h"

static struct svc_mount *add_mount(struct service *svc)
{
	svc->mounts = xrealloc(svc->mounts, (svc->nmounts + 1) * sizeof *svc->mounts);
	struct svc_mount *m = &svc->mounts[svc->nmounts++];
	*m = (struct svc_mount){0};
	return m;
}

static const struct svc_mount *mount_at(const struct service *svc, const char *dst)
{
	for (size_t i = 0; i < svc->nmounts; i++)
		if (strcmp(svc->mounts[i].dst, dst) == 0)
			return &svc->mounts[i];
	return NULL;
}

/* "~" and "~/x" are the user's home, as compose has it. */
char *stack_host_path(struct load_ctx *c, const char *src)
{
	const char *home = stack_shell_lookup(c, "HOME");
	_cleanup_free_ char *joined = NULL;
	if ((strcmp(src, "~") == 0 || strncmp(src, "~/", 2) == 0) && home && home[0] == '/')
		joined = xasprintf("%s/%s", home, src + 1);
	else if (src[0] == '/')
		joined = xstrdup(src);
	else
		joined = xasprintf("%s/%s", c->st->dir, src);
	return path_clean(joined);
}

static int one_mount(struct load_ctx *c, const struct rc_entry *e, struct service *svc)
{
	bool bind = strcmp(e->key, "bind") == 0;
	const char *eg = bind ? "bind = ./src:/app or bind = /data:/data:ro"
			      : "volume = pgdata:/var/lib/postgresql/data";
	_cleanup_free_ char *copy = xstrdup(e->value);
	char *src = copy, *dst = strchr(copy, ':'), *opt = NULL;
	if (!dst || !*src)
		return stack_fail(c, e->line, "bad %s '%s': expected %s:/PATH[:ro] (e.g. %s)",
				  e->key, e->value, bind ? "SRC" : "NAME", eg);
	*dst++ = '\0';
	if ((opt = strchr(dst, ':')))
		*opt++ = '\0';
	if (dst[0] != '/')
		return stack_fail(c, e->line,
				  "bad %s '%s': the path inside must be absolute (e.g. %s)", e->key,
				  e->value, eg);
	bool ro = false;
	if (opt && strcmp(opt, "ro") == 0)
		ro = true;
	else if (opt && strcmp(opt, "rw") != 0)
		return stack_fail(c, e->line, "bad %s '%s': unknown option '%s' (ro or rw)", e->key,
				  e->value, opt);
	_cleanup_free_ char *clean_dst = path_clean(dst);
	if (strcmp(clean_dst, "/") == 0)
		return stack_fail(c, e->line, "bad %s '%s': cannot mount over / (e.g. %s)", e->key,
				  e->value, eg);
	const struct svc_mount *dup = mount_at(svc, clean_dst);
	if (dup)
		return stack_fail(c, e->line, "%s is mounted twice (first at line %d)", clean_dst,
				  dup->loc.line);

	struct svc_mount m = {.ro = ro, .loc = {c->rc_file, e->line}};
	if (bind) {
		_cleanup_free_ char *path = stack_host_path(c, src);
		struct stat st;
		/* compose would create it; a typo should not become an empty dir */
		if (stat(path, &st) < 0)
			return stack_fail(c, e->line, "bind source %s: %s%s", src, strerror(errno),
					  errno == ENOENT
					      ? " (create it, or use volume = NAME:/PATH "
						"for data clan keeps)"
					      : "");
		m.src = steal_pointer(&path);
	} else {
		if (src[0] == '/' || src[0] == '.' || src[0] == '~')
			return stack_fail(c, e->line,
					  "volume = takes a volume name; for the host path %s use "
					  "bind = %s",
					  src, e->value);
		if (!cfg_is_name(src))
			return stack_fail(c, e->line,
					  "bad volume name '%s': letters, digits, _ . - starting "
					  "with a letter or digit",
					  src);
		m.volume = xstrdup(src);
	}
	m.dst = steal_pointer(&clean_dst);
	*add_mount(svc) = m;
	return 0;
}

int stack_build_mounts(struct load_ctx *c, const struct rc_section *sec, const struct profile *p,
		       struct service *svc)
{
	for (size_t i = 0; i < sec->n; i++)
		if ((strcmp(sec->e[i].key, "volume") == 0 || strcmp(sec->e[i].key, "bind") == 0) &&
		    one_mount(c, &sec->e[i], svc) < 0)
			return -1;
	for (size_t i = 0; p && i < p->volumes.n; i++) {
		_cleanup_free_ char *dst = path_clean(p->volumes.v[i]);
		if (mount_at(svc, dst))
			continue;
		const char *base = strrchr(dst, '/') + 1;
		struct svc_mount *m = add_mount(svc);
		m->volume = xasprintf("%s_%s", svc->name, *base ? base : "data");
		m->dst = steal_pointer(&dst);
		m->loc = (struct src_loc){stack_file_name(c, p->path), 0};
	}
	return 0;
}
