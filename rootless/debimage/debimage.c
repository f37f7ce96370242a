/* deb: images: Debian root filesystems built with mmdebstrap, rootless.
 *
 * How mmdebstrap runs without root, found by experiment (mmdebstrap 1.3.5,
 * Debian 12 host, 2 cores shared with other work; the host's mirror):
 *
 * - --mode=unshare (user with a subuid range): bookworm, apt variant, in
 *   23 s idle, 30.8 and 29.5 s beside the runs below. But mmdebstrap maps
 *   its root to the FIRST subordinate id, while clan maps root to the user
 *   and the range to 1..N: every file would show up in a clan container
 *   one uid off (/etc owned by uid 1). Not used.
 * - --mode=fakechroot (no range; needs fakechroot installed by an admin):
 *   bookworm+postgresql-15 in 42 s, but 490 absolute symlinks made by
 *   maintainer scripts point into the build dir (/etc/localtime ->
 *   /tmp/build/usr/share/zoneinfo/...): useless as a root elsewhere.
 * - --mode=chrootless: fails after 18 s; bookworm's base-files, login and
 *   usrmerge postinsts do not support DPKG_ROOT.
 * - --mode=root in `clan run --userns single host`: works (21 s; with
 *   postgresql-15 and python3-django 42 s), but the container's bounding
 *   set has no CAP_SYS_ADMIN: no /dev nodes, /proc or /sys in the chroot,
 *   and scripts writing to /dev/null leave a regular file there.
 *
 * Chosen, with and without a range: --mode=root run by debimage_build.c as
 * root of a user namespace of its own (new user, mount and pid namespaces,
 * every capability inside) with clan's maps, so the files get exactly the
 * owners the runtime shows later. Beside the unshare runs above: bookworm
 * 32.2 and 28.5 s with subordinate ids, 34.9 and 24.7 s in single mode;
 * +postgresql-15,python3-django 72.9 s and 55.5 s.
 * - subuid: user -> 0, range -> 1..N. Real chown: /var/lib/postgresql and
 *   /run/postgresql are postgres's, pg_createcluster makes its cluster as on
 *   a real machine, and PostgreSQL 15 starts from it in the container.
 * - single: user -> 0 and nothing else; the seccomp filter of the runtime's
 *   single mode makes chown succeed without effect, so every file is the
 *   user's, as single mode shows every file at run time anyway. Maintainer
 *   scripts that switch uid fail where they tolerate it (pg_createcluster
 *   makes no cluster); initdb as postgres works at run time, where single
 *   mode maps the user to postgres.
 * In both, mmdebstrap mounts /proc and /sys into the chroot itself; the
 * /dev nodes come from an extract hook (its own devpts wants uid 5, which
 * single mode cannot map; mknod is refused in any user namespace).
 * Root of that namespace is the user on the host, and maintainer scripts
 * (and apt's hooks) run as it: mmdebstrap runs in a private root
 * (debimage_root.c) with the host's programs read-only and only its own
 * target and work dirs writable; $HOME and the rest of the host's tree are
 * not there. Beside the runs above, bookworm+hello: 186 s single, 164 s
 * with subordinate ids.
 *
 * The mirror is the host's own Debian archive from its apt sources, read
 * at run time; without one, mmdebstrap's default applies. */
#define _GNU_SOURCE
#include "debimage/debimage.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "debimage/debimage_int.h"
#include "base/sha256.h"
#include "base/suggest.h"
#include "base/util.h"

/* --- references -------------------------------------------------------- */

/* Suites as Debian names them (bookworm, bookworm-backports, stable); a
 * leading '-' would read as an option of mmdebstrap. */
static bool is_valid_suite(const char *s, size_t n)
{
	if (n == 0 || n > 64 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-._", s[i]))
			return false;
	return true;
}

/* The suites and codenames of Debian's archive (sid, every release from
 * buzz to the next two), each with its pockets (bookworm-backports): a
 * typo (bookwrom) fails here, with a suggestion, instead of in mmdebstrap
 * after a minute of download. Add a codename here when Debian names one. */
static const char *const debian_suites[] = {
    "stable", "testing", "unstable", "oldstable", "oldoldstable", "experimental", "sid",
    "forky",  "duke",	 "trixie",   "bookworm",  "bullseye",	  "buster",	  "stretch",
    "jessie", "wheezy",	 "squeeze",  "lenny",	  "etch",	  "sarge",	  "woody",
    "potato", "slink",	 "hamm",     "bo",	  "rex",	  "buzz",	  "rc-buggy",
};
static const char *const suite_pockets[] = {"-backports", "-backports-sloppy", "-updates",
					    "-security", "-proposed-updates"};

static bool is_known_suite(const char *s, size_t n)
{
	for (size_t i = 0; i < ARRAY_SIZE(debian_suites); i++) {
		size_t l = strlen(debian_suites[i]);
		if (n < l || strncmp(s, debian_suites[i], l) != 0)
			continue;
		if (n == l)
			return true;
		for (size_t j = 0; j < ARRAY_SIZE(suite_pockets); j++)
			if (n - l == strlen(suite_pockets[j]) &&
			    strncmp(s + l, suite_pockets[j], n - l) == 0)
				return true;
	}
	return false;
}

int debimage_check_suite(const char *text, const char *suite, size_t n, struct clan_err *err)
{
	if (!is_valid_suite(suite, n))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "image %s: '%.*s' is not a Debian suite; write e.g. "
				       "deb:bookworm",
				       text, (int)n, suite);
	if (is_known_suite(suite, n))
		return 0;
	/* suggest the codename and the pocket apart: bookwrom-backport ->
	 * bookworm-backports */
	_cleanup_free_ char *word = xstrndup(suite, n);
	char *dash = strchr(word, '-');
	const char *pocket = "";
	if (dash) {
		pocket = suggest_nearest(dash, suite_pockets, ARRAY_SIZE(suite_pockets));
		*dash = '\0';
	}
	const char *near = suggest_nearest(word, debian_suites, ARRAY_SIZE(debian_suites));
	if (near && pocket)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "image %s: '%.*s' is not a Debian suite (did you mean "
				       "deb:%s%s?)",
				       text, (int)n, suite, near, pocket);
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "image %s: '%.*s' is not a Debian suite: write a codename "
			       "(bookworm, trixie, bullseye, sid) or a suite (stable, testing, "
			       "unstable, oldstable), optionally with -backports",
			       text, (int)n, suite);
}

bool debimage_is_package_name(const char *s, size_t n)
{
	if (n < 2 || n > 128 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    !strchr("+-.", s[i]))
			return false;
	return true;
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts s and drops duplicates. */
static void strv_sort_unique(struct strv *s)
{
	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof *s->v, cmp_strp);
	size_t out = 1;
	for (size_t i = 1; i < s->n; i++) {
		if (strcmp(s->v[i], s->v[out - 1]) == 0)
			free(s->v[i]);
		else
			s->v[out++] = s->v[i];
	}
	s->n = out;
	s->v[out] = NULL;
}

static int parse_packages(const char *text, const char *p, struct strv *out, struct clan_err *err)
{
	for (;;) {
		size_t n = strcspn(p, ",");
		if (n == 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "image %s: empty package name; list packages with "
					       "commas, e.g. deb:bookworm+postgresql-15,curl",
					       text);
		if (!debimage_is_package_name(p, n))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "image %s: '%.*s' is not a Debian package name "
					       "(lowercase letters, digits, + - .)",
					       text, (int)n, p);
		strv_push_owned(out, xstrndup(p, n));
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

int debimage_parse(const char *text, char **suite, struct strv *packages, struct clan_err *err)
{
	*suite = NULL;
	*packages = (struct strv){0};
	if (strncmp(text, "deb:", 4) != 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "image %s: not a deb: image; write deb:SUITE or "
				       "deb:SUITE+pkg1,pkg2",
				       text);
	const char *s = text + 4;
	size_t n = strcspn(s, "+");
	if (debimage_check_suite(text, s, n, err) < 0)
		return -1;
	struct strv pk = {0};
	if (s[n] == '+' && parse_packages(text, s + n + 1, &pk, err) < 0) {
		strv_free(&pk);
		return -1;
	}
	strv_sort_unique(&pk);
	*suite = xstrndup(s, n);
	*packages = pk;
	return 0;
}

void debimage_key(const char *suite, const struct strv *packages, const char *arch, char id[72])
{
	/* sorted here too, so that any order of the same set gives one key */
	struct strv sorted = {0};
	for (size_t i = 0; i < packages->n; i++)
		strv_push(&sorted, packages->v[i]);
	strv_sort_unique(&sorted);
	size_t len = strlen(suite) + strlen(arch) + 2;
	for (size_t i = 0; i < sorted.n; i++)
		len += strlen(sorted.v[i]) + 1;
	char *buf = xmalloc(len + 1), *o = buf;
	o += sprintf(o, "%s\n%s\n", suite, arch);
	for (size_t i = 0; i < sorted.n; i++)
		o += sprintf(o, "%s\n", sorted.v[i]);
	/* not libcrypto's: see base/sha256.h */
	unsigned char md[32];
	sha256_small(buf, len, md);
	sha256_hex(md, id);
	free(buf);
	strv_free(&sorted);
}

char *debimage_name(const char *suite, const char id[72])
{
	return xasprintf("deb:%s+%.12s", suite, id + 7);
}

char *debimage_shown(const char *suite, const struct strv *packages)
{
	enum { MAX_LIST = 160 };
	char *out = xasprintf("deb:%s", suite);
	for (size_t i = 0; i < packages->n; i++) {
		size_t len = strlen(out);
		if (len + strlen(packages->v[i]) > MAX_LIST) {
			char *more = xasprintf("%s (and %zu more)", out, packages->n - i);
			free(out);
			return more;
		}
		char *next = xasprintf("%s%c%s", out, i ? ',' : '+', packages->v[i]);
		free(out);
		out = next;
	}
	return out;
}

const char *debimage_arch_of(const char *machine)
{
	static const struct {
		const char *machine, *arch;
	} map[] = {
	    {"x86_64", "amd64"},    {"aarch64", "arm64"},	{"armv7l", "armhf"},
	    {"armv8l", "armhf"},    {"armv6l", "armel"},	{"i386", "i386"},
	    {"i486", "i386"},	    {"i586", "i386"},		{"i686", "i386"},
	    {"ppc64le", "ppc64el"}, {"s390x", "s390x"},		{"riscv64", "riscv64"},
	    {"mips64", "mips64el"}, {"loongarch64", "loong64"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcmp(machine, map[i].machine) == 0)
			return map[i].arch;
	return machine;
}

const char *debimage_this_arch(void)
{
	static struct utsname u;
	if (!u.machine[0] && uname(&u) < 0)
		return "unknown";
	return debimage_arch_of(u.machine);
}

/* --- the image ---------------------------------------------------------- */

/* The record of image key (the layers, lowest first: the base's and the
 * delta's, or the one of a whole build). */
static int save_record(const struct debimage_req *r, const char *key, const struct strv *layers,
		       uint64_t size, struct image_record *rec, struct clan_err *err)
{
	*rec = (struct image_record){0};
	snprintf(rec->id, sizeof rec->id, "%s", key);
	strv_extend(&rec->layers, layers);
	/* what Docker's debian images set */
	strv_push(&rec->env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	strv_push(&rec->cmd, "/bin/bash");
	rec->created = (int64_t)time(NULL);
	rec->size = size;
	rec->source = xstrdup("deb");
	for (size_t i = 0; i < r->packages->n; i++)
		strv_push(&rec->packages, r->packages->v[i]);
	strv_sort_unique(&rec->packages);
	if (imgstore_save_image(r->st, rec, err) < 0 ||
	    imgstore_tag(r->st, r->name, key, err) < 0) {
		image_record_free(rec);
		return clan_error_wrap(err, "image %s", r->name);
	}
	return 0;
}

/* A record whose tag went missing (e.g. untagged by hand) gets it back. */
static int ensure_tag(struct imgstore *st, const char *name, const char *id,
		      struct image_record *rec, struct clan_err *err)
{
	char tagged[72];
	if (imgstore_lookup_tag(st, name, tagged) && strcmp(tagged, id) == 0)
		return 0;
	if (imgstore_tag(st, name, id, err) < 0) {
		image_record_free(rec);
		return -1;
	}
	return 0;
}

/* Whether every layer of rec is in the store. */
static bool has_layers(struct imgstore *st, const struct image_record *rec)
{
	for (size_t i = 0; i < rec->layers.n; i++)
		if (!digest_is_valid(rec->layers.v[i]) || !imgstore_has_layer(st, rec->layers.v[i]))
			return false;
	return rec->layers.n > 0;
}

/* A fresh id for a delta layer: it belongs to one build of its base, so a
 * lost record's leftover is never taken for it. */
static int delta_id(const char *key, const char *base, char id[72], struct clan_err *err)
{
	unsigned char nonce[16];
	if (getentropy(nonce, sizeof nonce) < 0)
		return clan_error(err, errno, "cannot get random bytes");
	_cleanup_free_ char *text = xasprintf("delta\n%s\n%s\n", key, base);
	size_t len = strlen(text);
	text = xrealloc(text, len + sizeof nonce);
	memcpy(text + len, nonce, sizeof nonce);
	return sha256_digest(text, len + sizeof nonce, id, err);
}

/* The packages as a delta on the suite's base image (built first when
 * missing, shared with every image of the suite). DEBIMAGE_NO_OVERLAY:
 * nothing done, the image is to be built whole. */
static int build_layered(struct debimage_req *req, const char *key,
			 const struct userns_plan *userns, struct image_record *rec,
			 struct clan_err *err)
{
	struct image_record base = {0};
	struct strv none = {0};
	char base_key[72], id[72];
	if (debimage_get(req->st, req->suite, &none, userns, &base, err) < 0)
		return clan_error_wrap(err, "the base of %s", req->shown);
	int rc = base.layers.n == 1 ? 0 : DEBIMAGE_NO_OVERLAY;
	_cleanup_free_ char *base_path = NULL;
	if (rc == 0)
		base_path = imgstore_layer_path(req->st, base.layers.v[0]);
	snprintf(base_key, sizeof base_key, "%s", base.id);
	_cleanup_free_ char *base_name = debimage_name(req->suite, base_key);
	if (rc == 0)
		rc = delta_id(key, base.layers.v[0], id, err);
	uint64_t size = 0;
	if (rc == 0) {
		req->id = id;
		req->base = base_path;
		req->base_name = base_name;
		rc = debimage_build(req, &size, err);
	}
	if (rc == 0) {
		struct strv layers = {0};
		strv_push(&layers, base.layers.v[0]);
		strv_push(&layers, id);
		rc = save_record(req, key, &layers, base.size + size, rec, err);
		strv_free(&layers);
	}
	req->id = key;
	req->base = NULL;
	image_record_free(&base);
	return rc;
}

/* With the lock held: the cached image, else a build and its record. */
static int get_locked(struct imgstore *st, const char *suite, const struct strv *packages,
		      const struct userns_plan *userns, const char *id, const char *name,
		      struct image_record *rec, struct clan_err *err)
{
	struct clan_err ignored;
	if (imgstore_load_image(st, id, rec, &ignored) == 0) {
		if (has_layers(st, rec))
			return ensure_tag(st, name, id, rec, err);
		image_record_free(rec);
	}
	/* a whole build of an older clan, its record lost */
	bool have_layer = imgstore_has_layer(st, id);

	struct userns_plan plan;
	_cleanup_free_ char *shown = debimage_shown(suite, packages);
	_cleanup_free_ char *cache = debimage_cache_dir(st, &ignored);
	struct debimage_req req = {.st = st,
				   .suite = suite,
				   .name = name,
				   .shown = shown,
				   .id = id,
				   .packages = packages,
				   .plan = &plan,
				   .cache = cache};
	struct strv layers = {0};
	uint64_t size = 0;
	/* the user is root of the build: mmdebstrap --mode=root */
	int rc = userns_plan_make(userns ? userns->mode : USERNS_AUTO, 0, 0, &plan, err);
	if (rc == 0 && !have_layer && packages->n > 0)
		rc = build_layered(&req, id, userns, rec, err);
	else if (rc == 0)
		rc = DEBIMAGE_NO_OVERLAY;
	if (rc != DEBIMAGE_NO_OVERLAY)
		return rc < 0 ? -1 : 0;
	if (!have_layer) {
		rc = debimage_build(&req, &size, err);
	} else {
		/* built, but the record was lost: measure what we can see */
		_cleanup_free_ char *path = imgstore_layer_path(st, id);
		size = debimage_disk_usage(path);
		rc = 0;
	}
	strv_push(&layers, id);
	if (rc == 0)
		rc = save_record(&req, id, &layers, size, rec, err);
	strv_free(&layers);
	return rc < 0 ? -1 : 0;
}

bool debimage_is_built(struct imgstore *st, const char *text)
{
	_cleanup_free_ char *suite = NULL;
	struct strv packages = {0};
	struct image_record rec = {0};
	struct clan_err ignored;
	char id[72];
	bool built = debimage_parse(text, &suite, &packages, &ignored) == 0;
	if (built)
		debimage_key(suite, &packages, debimage_this_arch(), id);
	built = built && imgstore_load_image(st, id, &rec, &ignored) == 0 && has_layers(st, &rec);
	image_record_free(&rec);
	strv_free(&packages);
	return built;
}

int debimage_get(struct imgstore *st, const char *suite, const struct strv *packages,
		 const struct userns_plan *userns, struct image_record *rec, struct clan_err *err)
{
	/* packages may come from a config file rather than debimage_parse:
	 * nothing may reach mmdebstrap's command line as an option */
	if (!is_valid_suite(suite, strlen(suite)))
		return clan_error_code(err, CLAN_EXIT_USAGE, "'%s' is not a Debian suite", suite);
	for (size_t i = 0; i < packages->n; i++)
		if (!debimage_is_package_name(packages->v[i], strlen(packages->v[i])))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "'%s' is not a Debian package name (lowercase "
					       "letters, digits, + - .)",
					       packages->v[i]);
	char id[72];
	debimage_key(suite, packages, debimage_this_arch(), id);
	_cleanup_free_ char *name = debimage_name(suite, id);
	_cleanup_free_ char *lock_name = xasprintf("deb-%s", id + 7);
	int lock_fd;
	/* a second shell building the same image waits here, then finds it */
	if (imgstore_lock(st, lock_name, &lock_fd, err) < 0)
		return -1;
	int rc = get_locked(st, suite, packages, userns, id, name, rec, err);
	close(lock_fd);
	return rc;
}
