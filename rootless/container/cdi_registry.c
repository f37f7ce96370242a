#define _GNU_SOURCE
#include "container/cdi_registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "base/suggest.h"

/* Written only by root or the user: anyone else could hand a container
 * the user's devices and files, or run a hook. */
static const char *unsafe_why(const struct stat *st)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return "it is owned by another user";
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return "other users can write it";
	return NULL;
}

static bool is_spec_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && ((n > 5 && strcmp(name + n - 5, ".json") == 0) ||
				  (n > 5 && strcmp(name + n - 5, ".yaml") == 0));
}

/* O_NONBLOCK: a FIFO put there must not hang clan; the checks are on
 * what was opened, so a swap after them changes nothing. */
static int read_spec(int dirfd, const char *path, const char *name, char **text, size_t *len,
		     struct strv *warnings, struct clan_err *err)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		strv_push_owned(warnings,
				xasprintf("CDI spec %s skipped: %s", path, strerror(errno)));
		return 0;
	}
	const char *why = S_ISREG(st.st_mode) ? unsafe_why(&st) : "it is not a regular file";
	if (why) {
		strv_push_owned(warnings, xasprintf("CDI spec %s skipped: %s", path, why));
		return 0;
	}
	if (st.st_size > (off_t)CDI_SPEC_MAX)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CDI spec %s: larger than %u bytes; not a spec", path,
				       CDI_SPEC_MAX);
	*text = xmalloc(CDI_SPEC_MAX + 2);
	size_t got = 0;
	for (ssize_t r; got <= CDI_SPEC_MAX; got += (size_t)r) {
		r = read(fd, *text + got, CDI_SPEC_MAX + 1 - got);
		if (r < 0 && errno == EINTR)
			r = 0;
		else if (r < 0)
			return clan_error(err, errno, "CDI spec %s: cannot read it", path);
		else if (r == 0)
			break;
	}
	if (got > CDI_SPEC_MAX) /* it grew after fstat */
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CDI spec %s: larger than %u bytes; not a spec", path,
				       CDI_SPEC_MAX);
	(*text)[got] = '\0';
	*len = got;
	return 1;
}

static int load_dir(struct cdi_registry *reg, const char *dir, size_t prio, struct strv *warnings,
		    struct clan_err *err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		strv_push_owned(
		    warnings, xasprintf("CDI spec directory %s skipped: %s", dir, strerror(errno)));
		return 0;
	}
	const char *why = unsafe_why(&st);
	if (why) {
		strv_push_owned(warnings, xasprintf("CDI spec directory %s skipped: %s", dir, why));
		return 0;
	}
	struct dirent **names = NULL;
	_cleanup_free_ char *self = xasprintf("/proc/self/fd/%d", fd);
	int n = scandir(self, &names, NULL, alphasort);
	if (n < 0)
		return clan_error(err, errno, "cannot list CDI spec directory %s", dir);
	int rc = 0;
	for (int i = 0; i < n; i++) {
		_cleanup_free_ char *text = NULL;
		size_t len = 0;
		_cleanup_free_ char *path = path_join(dir, names[i]->d_name);
		int got = rc < 0 || !is_spec_name(names[i]->d_name)
			      ? 0
			      : read_spec(fd, path, names[i]->d_name, &text, &len, warnings, err);
		free(names[i]);
		if (got < 0)
			rc = -1;
		if (got <= 0 || rc < 0)
			continue;
		reg->specs = xrealloc(reg->specs, (reg->n + 1) * sizeof *reg->specs);
		reg->prio = xrealloc(reg->prio, (reg->n + 1) * sizeof *reg->prio);
		reg->prio[reg->n] = prio;
		if (cdi_spec_parse(text, len, path, &reg->specs[reg->n], err) < 0) {
			cdi_spec_free(&reg->specs[reg->n]);
			rc = -1;
			continue;
		}
		reg->n++;
	}
	free(names);
	return rc;
}

int cdi_registry_load(const char *dirs, struct cdi_registry *reg, struct strv *warnings,
		      struct clan_err *err)
{
	*reg = (struct cdi_registry){.dirs = xstrdup(dirs)};
	_cleanup_free_ char *copy = xstrdup(dirs);
	size_t prio = 0;
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save), prio++) {
		if (d[0] != '/')
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: CDI spec directory %s is not absolute",
					       CDI_DIRS_ENV, d);
		if (load_dir(reg, d, prio, warnings, err) < 0)
			return -1;
	}
	return 0;
}

void cdi_registry_free(struct cdi_registry *reg)
{
	for (size_t i = 0; i < reg->n; i++)
		cdi_spec_free(&reg->specs[i]);
	free(reg->specs);
	free(reg->prio);
	free(reg->dirs);
	*reg = (struct cdi_registry){0};
}

static const struct cdi_device *device_in(const struct cdi_spec *s, const char *name)
{
	for (size_t i = 0; i < s->ndevs; i++)
		if (strcmp(s->devs[i].name, name) == 0)
			return &s->devs[i];
	return NULL;
}

/* The winner for kind=name, or NULL when no spec has it. */
static int find(const struct cdi_registry *reg, const char *kind, const char *name,
		struct cdi_pick *out, struct clan_err *err)
{
	size_t best = reg->n;
	*out = (struct cdi_pick){0};
	for (size_t i = 0; i < reg->n; i++) {
		const struct cdi_device *d =
		    strcmp(reg->specs[i].kind, kind) == 0 ? device_in(&reg->specs[i], name) : NULL;
		if (!d)
			continue;
		if (best < reg->n && reg->prio[best] == reg->prio[i])
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "CDI device %s=%s is defined in both %s and %s; "
					       "remove one",
					       kind, name, reg->specs[best].file,
					       reg->specs[i].file);
		best = i;
		*out = (struct cdi_pick){&reg->specs[i], d};
	}
	return 0;
}

static void push_pick(struct cdi_pick **picks, size_t *n, struct cdi_pick p)
{
	*picks = xrealloc(*picks, (*n + 1) * sizeof **picks);
	(*picks)[(*n)++] = p;
}

/* Every name of kind, once, in the order the specs give them. */
static void names_of(const struct cdi_registry *reg, const char *kind, struct strv *out)
{
	for (size_t i = 0; i < reg->n; i++)
		for (size_t k = 0; strcmp(reg->specs[i].kind, kind) == 0 && k < reg->specs[i].ndevs;
		     k++)
			if (!strv_contains(out, reg->specs[i].devs[k].name))
				strv_push(out, reg->specs[i].devs[k].name);
}

static int unknown(const struct cdi_registry *reg, const char *kind, const char *name,
		   const struct strv *names, struct clan_err *err)
{
	struct strv cands = {0};
	struct strbuf hint = {0};
	int rc;
	if (names->n == 0) {
		for (size_t i = 0; i < reg->n; i++)
			if (!strv_contains(&cands, reg->specs[i].kind))
				strv_push(&cands, reg->specs[i].kind);
		strbuf_adds(&hint, "no CDI spec in ");
		strbuf_adds(&hint, reg->dirs);
		strbuf_adds(&hint, " has it");
		rc = suggest_error(err, "CDI device kind", kind, (const char *const *)cands.v,
				   cands.n, hint.s);
	} else {
		/* the names alone: a long kind in common would make any two
		 * full names look alike */
		const char *near = suggest_nearest(name, (const char *const *)names->v, names->n);
		_cleanup_free_ char *mean =
		    near ? xasprintf("; did you mean %s=%s?", kind, near) : xstrdup("");
		for (size_t i = 0; i < names->n; i++) {
			strbuf_addc(&hint, ' ');
			strbuf_adds(&hint, names->v[i]);
		}
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "unknown CDI device '%s=%s'%s (%s has:%s and all)", kind, name,
				     mean, kind, hint.s);
	}
	strv_free(&cands);
	strbuf_free(&hint);
	return rc;
}

int cdi_registry_resolve(const struct cdi_registry *reg, const char *kind, const char *name,
			 struct cdi_pick **picks, size_t *n, struct clan_err *err)
{
	struct cdi_pick p;
	*picks = NULL;
	*n = 0;
	if (find(reg, kind, name, &p, err) < 0)
		return -1;
	if (p.dev) {
		push_pick(picks, n, p);
		return 0;
	}
	struct strv names = {0};
	names_of(reg, kind, &names);
	int rc = 0;
	if (strcmp(name, "all") != 0 || names.n == 0)
		rc = unknown(reg, kind, name, &names, err);
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		rc = find(reg, kind, names.v[i], &p, err);
		if (rc == 0)
			push_pick(picks, n, p);
	}
	strv_free(&names);
	if (rc < 0) {
		free(*picks);
		*picks = NULL;
		*n = 0;
	}
	return rc;
}
