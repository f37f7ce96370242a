/* Matching images: patterns against references, both in Docker's canonical
 * form (image/image_ref.h), with fnmatch for the wildcards. */
#define _GNU_SOURCE
#include "config/profile_image.h"

#include <fnmatch.h>
#include <string.h>

#include "base/util.h"
#include "config/profile_builtin.h"
#include "image/image_ref.h"

#define DOCKER_HUB "docker.io"

static bool has_wildcard(const char *s, size_t n)
{
	return memchr(s, '*', n) || memchr(s, '?', n);
}

/* The ':' that starts pattern's TAG (after the last '/'), or NULL. */
static const char *tag_colon(const char *pattern)
{
	const char *slash = strrchr(pattern, '/'), *colon = strrchr(pattern, ':');
	return colon && (!slash || colon > slash) ? colon : NULL;
}

int profile_image_pattern_check(const char *pattern, struct clan_err *err)
{
	if (pattern[0] == '\0')
		return clan_error_code(err, CLAN_EXIT_USAGE, "images: an empty pattern");
	if (strchr(pattern, '@'))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "images: '%s': a pattern names an image and a tag, not a "
				       "digest (NAME:* takes every digest)",
				       pattern);
	/* a wildcard stands for reference characters: with each one a letter,
	 * the pattern must be a reference (no [...] classes, no uppercase) */
	_cleanup_free_ char *probe = xstrdup(pattern);
	for (char *c = probe; *c; c++)
		if (*c == '*' || *c == '?')
			*c = 'x';
	struct image_ref r;
	if (image_ref_parse(probe, &r, err) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "images: '%s' is no image pattern (an image reference, "
				       "with * and ? as wildcards)",
				       pattern);
	image_ref_free(&r);
	return 0;
}

/* NAME (the pattern without its TAG) as image_ref_format writes a
 * repository: "postgres" -> "docker.io/library/postgres". */
static char *canonical_name(const char *name)
{
	const char *slash = strchr(name, '/');
	if (!slash)
		return xasprintf(DOCKER_HUB "/library/%s", name);
	size_t n = (size_t)(slash - name);
	if (has_wildcard(name, n))
		return xstrdup(name);
	bool is_registry = memchr(name, '.', n) || memchr(name, ':', n) ||
			   (n == 9 && strncmp(name, "localhost", 9) == 0);
	if (!is_registry)
		return xasprintf(DOCKER_HUB "/%s", name);
	bool is_hub = (n == 9 && strncmp(name, DOCKER_HUB, 9) == 0) ||
		      (n == 15 && strncmp(name, "index.docker.io", 15) == 0) ||
		      (n == 20 && strncmp(name, "registry-1.docker.io", 20) == 0);
	if (!is_hub)
		return xstrdup(name);
	/* Docker Hub's aliases, and its implicit library/ */
	return strchr(slash + 1, '/') ? xasprintf(DOCKER_HUB "/%s", slash + 1)
				      : xasprintf(DOCKER_HUB "/library/%s", slash + 1);
}

static bool ref_matches(const char *pattern, const struct image_ref *r)
{
	const char *colon = tag_colon(pattern);
	_cleanup_free_ char *name =
	    colon ? xstrndup(pattern, (size_t)(colon - pattern)) : xstrdup(pattern);
	_cleanup_free_ char *want = canonical_name(name);
	_cleanup_free_ char *have = xasprintf("%s/%s", r->registry, r->repository);
	/* no FNM_PATHNAME: a '*' spans registry and namespace */
	if (fnmatch(want, have, 0) != 0)
		return false;
	if (!colon)
		return true;
	if (!r->tag)
		return strcmp(colon + 1, "*") == 0;
	return fnmatch(colon + 1, r->tag, 0) == 0;
}

bool profile_image_pattern_match(const char *pattern, const char *image)
{
	struct clan_err err;
	if (profile_image_pattern_check(pattern, &err) < 0 || !image_ref_is_registry(image))
		return false;
	struct image_ref r;
	if (image_ref_parse(image, &r, &err) < 0)
		return false;
	bool yes = ref_matches(pattern, &r);
	image_ref_free(&r);
	return yes;
}

bool profile_match_image(const struct profile *p, const char *image)
{
	for (size_t i = 0; i < p->images.n; i++)
		if (profile_image_pattern_match(p->images.v[i], image))
			return true;
	return false;
}

/* The index of the first dir holding NAME.yaml: where profile_load found
 * it. */
static size_t dir_rank(const char *const *dirs, const char *name)
{
	size_t i = 0;
	while (dirs && dirs[i] && !profile_dir_has(dirs[i], name))
		i++;
	return i;
}

int profile_set_load(const char *const *dirs, struct profile_set *out, struct clan_err *err)
{
	struct strv names = {0};
	*out = (struct profile_set){0};
	profile_list(dirs, &names);
	out->p = xcalloc(names.n + 1, sizeof *out->p);
	out->rank = xcalloc(names.n + 1, sizeof *out->rank);
	for (size_t i = 0; i < names.n; i++) {
		if (profile_load(dirs, names.v[i], &out->p[out->n], err) < 0) {
			strv_free(&names);
			profile_set_free(out);
			return -1;
		}
		out->rank[out->n++] = dir_rank(dirs, names.v[i]);
	}
	strv_free(&names);
	return 0;
}

const struct profile *profile_set_for_image(const struct profile_set *s, const char *image)
{
	const struct profile *best = NULL;
	size_t best_rank = SIZE_MAX;
	for (size_t i = 0; i < s->n; i++)
		if (s->rank[i] < best_rank && profile_match_image(&s->p[i], image)) {
			best = &s->p[i];
			best_rank = s->rank[i];
		}
	return best;
}

void profile_set_free(struct profile_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		profile_free(&s->p[i]);
	free(s->p);
	free(s->rank);
	*s = (struct profile_set){0};
}

int profile_for_image(const char *const *dirs, const char *image, struct profile *out,
		      struct clan_err *err)
{
	struct profile_set set;
	if (profile_set_load(dirs, &set, err) < 0)
		return -1;
	const struct profile *p = profile_set_for_image(&set, image);
	if (p) {
		/* moved out of the set, which then frees an empty one */
		struct profile *slot = &set.p[p - set.p];
		*out = *slot;
		*slot = (struct profile){0};
	}
	profile_set_free(&set);
	return p != NULL;
}
