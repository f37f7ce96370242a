/* Which filter a container gets, and a cache for the built-in profiles:
 * libseccomp takes 10-80 ms to compile the default profile's ~450 rules
 * for two architectures, far more than the rest of a container's start,
 * and the result only changes with the table, libseccomp or the kernel. */
#define _GNU_SOURCE
#include "ns/seccomp_filter.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "base/util.h"
#include "ns/caps.h"

/* Bumped whenever seccomp_filter.c builds a filter differently for the
 * same profile and fake set (3: a build's RUN fakes mknod of devices). */
#define CACHE_FORMAT 3

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* What every key holds: the kernel, libseccomp, how this file builds
 * (CACHE_FORMAT), the architecture and the faked calls. */
static uint64_t key_head(unsigned fake, uint32_t default_action)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const struct scmp_version *v = seccomp_version();
	struct utsname u;
	if (uname(&u) == 0)
		h = fnv(h, u.release, strlen(u.release));
	uint32_t head[] = {CACHE_FORMAT,     v ? v->major : 0,	    v ? v->minor : 0,
			   v ? v->micro : 0, seccomp_arch_native(), fake,
			   default_action};
	return fnv(h, head, sizeof head);
}

/* What the compiled filter depends on, from the profile itself. The input
 * is clan's own table, so a non-cryptographic hash is enough; user
 * profiles are never cached. */
static uint64_t profile_key(const struct seccomp_profile *p, unsigned fake)
{
	uint64_t h = key_head(fake, p->default_action);
	h = fnv(h, p->arches, p->narches * sizeof p->arches[0]);
	for (size_t i = 0; i < p->nrules; i++) {
		const struct seccomp_rule *r = &p->rules[i];
		h = fnv(h, r->name, strlen(r->name) + 1);
		h = fnv(h, &r->action, sizeof r->action);
		for (unsigned a = 0; a < r->nargs; a++) {
			uint64_t cmp[] = {r->args[a].arg, r->args[a].op, r->args[a].datum_a,
					  r->args[a].datum_b};
			h = fnv(h, cmp, sizeof cmp);
		}
	}
	return h;
}

struct build_id {
	const unsigned char *bytes;
	size_t len;
};

/* The GNU build id among the main program's notes. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	struct build_id *id = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const unsigned char *p = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
		const unsigned char *end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const unsigned char *name = p + sizeof *n;
			const unsigned char *desc = name + ((n->n_namesz + 3) & ~3U);
			const unsigned char *next = desc + ((n->n_descsz + 3) & ~3U);
			if (next > end)
				break;
			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    memcmp(name, "GNU", 4) == 0 && n->n_descsz > 0) {
				*id = (struct build_id){desc, n->n_descsz};
				return 1;
			}
			p = next;
		}
	}
	return 1; /* the first entry is the program: no id, no look further */
}

/* The built-in profiles are clan's own table, fixed at build time: with
 * a build id, the id, the profile's name and the capabilities stand for
 * the rules, and the profile is not built at all on a hit. 0: no id. */
static uint64_t build_key(const char *which, unsigned fake, uint64_t caps)
{
	struct build_id id = {0};
	dl_iterate_phdr(find_build_id, &id);
	if (!id.len)
		return 0;
	const char *name = which ? which : "default";
	uint64_t h = key_head(fake, 0);
	h = fnv(h, name, strlen(name) + 1);
	h = fnv(h, &caps, sizeof caps);
	return fnv(h, id.bytes, id.len) | 1;
}

/* Best effort: a cache that cannot be written costs time, not function. */
static void cache_store(const char *dir, const char *path, const struct seccomp_bpf *f)
{
	struct clan_err ignored;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	_cleanup_free_ char *tmp = xasprintf("%s.%d.tmp", path, (int)getpid());
	if (seccomp_bpf_save(f, tmp, &ignored) < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}

static char *cache_path(const char *dir, const char *which, const char *kind, uint64_t key)
{
	return xasprintf("%s/%s-%s%016" PRIx64 ".bpf", dir, which ? which : "default", kind, key);
}

/* A hit names its file: a container's copy is a link to it. */
static bool cache_read(const char *path, struct seccomp_bpf *out)
{
	struct clan_err miss;
	if (seccomp_bpf_read(path, out, &miss) == 0 && out->len > 0) {
		out->cached = xstrdup(path);
		return true;
	}
	seccomp_bpf_free(out);
	return false;
}

static int builtin_filter(const char *which, unsigned fake, uint64_t caps, const char *storage,
			  struct seccomp_bpf *out, struct clan_err *err)
{
	_cleanup_free_ char *dir = storage ? xasprintf("%s/seccomp", storage) : NULL;
	uint64_t bkey = dir ? build_key(which, fake, caps) : 0;
	_cleanup_free_ char *path = bkey ? cache_path(dir, which, "b", bkey) : NULL;
	if (path && cache_read(path, out))
		return 0;
	struct seccomp_profile p;
	if (seccomp_profile_for(which, caps, &p, err) < 0)
		return -1;
	/* without a build id, the rules' hash is the key */
	bool by_rules = dir && !path;
	if (by_rules)
		path = cache_path(dir, which, "", profile_key(&p, fake));
	int rc = 0;
	if (!by_rules || !cache_read(path, out)) {
		rc = seccomp_compile(&p, fake, out, err);
		if (rc == 0 && path && out->len > 0)
			cache_store(dir, path, out);
	}
	seccomp_profile_free(&p);
	return rc;
}

int seccomp_filter_for(const char *which, unsigned fake, uint64_t caps, const char *storage,
		       struct seccomp_bpf *out, struct clan_err *err)
{
	*out = (struct seccomp_bpf){0};
	int rc;
	if (!which || strcmp(which, "default") == 0 || strcmp(which, "unconfined") == 0) {
		rc = builtin_filter(which, fake, caps, storage, out, err);
	} else {
		struct seccomp_profile p;
		if (seccomp_profile_for(which, caps, &p, err) < 0)
			return -1;
		rc = seccomp_compile(&p, fake, out, err);
		seccomp_profile_free(&p);
		if (rc < 0)
			clan_error_wrap(err, "%s", which);
	}
	/* a cached filter is instructions only */
	out->notify = rc == 0 && out->len && (fake & SECCOMP_RECORD_CHOWN);
	return rc;
}

int seccomp_filter_of_record(const char *dir, bool single, struct seccomp_bpf *out,
			     struct clan_err *err)
{
	_cleanup_free_ char *path = xasprintf("%s/seccomp.bpf", dir);
	if (seccomp_bpf_read(path, out, err) == 0)
		return 0;
	if (err->sys_errno != ENOENT)
		return -1;
	/* started by a clan from before seccomp records: the default profile */
	return seccomp_filter_for(NULL, single, caps_default_mask(), NULL, out, err);
}
