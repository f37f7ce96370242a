/* The build driver: the Dockerfile, its global ARGs, the stages and the
 * target, FROM, and the image that results. */
#define _GNU_SOURCE
#include "build/build.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/paths.h"
#include "base/progress.h"
#include "base/suggest.h"
#include "build/build_int.h"
#include "build/df_expand.h"
#include "container/image.h"
#include "image/image_ref.h"
#include "image/imgstore_gc.h"

int build_key(const char *parent, const char *text, const char *nonce, char out[72],
	      struct clan_err *err)
{
	_cleanup_free_ char *all = xasprintf("%s\n%s\n%s", parent, nonce, text);
	return sha256_digest(all, strlen(all), out, err);
}

/* The instruction as Dockerfiles write it: "RUN". */
static void instr_name(const struct df_instr *in, char out[32])
{
	snprintf(out, 32, "%s", in->cmd);
	for (char *c = out; *c; c++)
		*c = (char)toupper((unsigned char)*c);
}

int build_fail(const struct build *b, const struct df_instr *in, struct clan_err *err)
{
	char cmd[32];
	instr_name(in, cmd);
	return clan_error_wrap(err, "%s:%d: %s", b->df_name, in->line, cmd);
}

void build_say(struct build *b, const struct df_instr *in, const char *note)
{
	if (b->o->progress == BUILD_PROGRESS_QUIET)
		return;
	char cmd[32];
	instr_name(in, cmd);
	const char *text = in->original;
	size_t skip = strlen(in->cmd);
	if (strncasecmp(text, in->cmd, skip) == 0)
		text += skip;
	text += strspn(text, " \t");
	progress_line("[%d/%d] %s %.*s%s%s", b->step, b->nsteps, cmd, 100, text, note ? " " : "",
		      note ? note : "");
}

void build_scope(const struct stage *s, struct strv *env)
{
	for (size_t i = 0; i < s->args.n; i++)
		strv_push(env, s->args.v[i]);
	for (size_t i = 0; i < s->img.env.n; i++)
		strv_push(env, s->img.env.v[i]);
}

long build_stage_named(const struct build *b, const char *name, size_t before)
{
	for (size_t i = 0; i < before && i < b->nstages; i++)
		if (b->stages[i].name && strcasecmp(b->stages[i].name, name) == 0)
			return (long)i;
	char *end;
	long n = strtol(name, &end, 10);
	if (*name && !*end && n >= 0 && (size_t)n < before)
		return n;
	return -1;
}

/* A build argument's value: --build-arg K=V, or K alone from clan's own
 * environment; NULL when not given. */
static const char *given_arg(const struct build_opts *o, const char *name, size_t len)
{
	for (size_t i = o->build_args.n; i-- > 0;) {
		const char *a = o->build_args.v[i];
		if (strncmp(a, name, len) != 0)
			continue;
		if (a[len] == '=')
			return a + len + 1;
		if (a[len] == '\0') {
			_cleanup_free_ char *k = xstrndup(name, len);
			return getenv(k);
		}
	}
	return NULL;
}

/* ARG K[=default] words into scope (replacing K there): a given build
 * argument wins, else the default expanded with scope, else inherit (a
 * bare ARG in a stage takes the global value). */
int build_arg_words(const struct build *b, const struct strv *words, struct strv *scope,
		    const struct strv *inherit, struct clan_err *err)
{
	for (size_t i = 0; i < words->n; i++) {
		const char *w = words->v[i];
		size_t klen = strcspn(w, "=");
		const char *value = given_arg(b->o, w, klen);
		_cleanup_free_ char *expanded = NULL;
		if (!value && w[klen] == '=') {
			if (df_expand(w + klen + 1, b->df.escape, scope, &expanded, err) < 0)
				return -1;
			value = expanded;
		}
		const char *inherited = NULL;
		for (size_t j = 0; !value && inherit && j < inherit->n; j++)
			if (strncmp(inherit->v[j], w, klen) == 0 && inherit->v[j][klen] == '=')
				inherited = inherit->v[j] + klen + 1;
		if (!value)
			value = inherited;
		char *entry = value ? xasprintf("%.*s=%s", (int)klen, w, value) : xstrndup(w, klen);
		size_t j = 0;
		for (; j < scope->n; j++)
			if (strncmp(scope->v[j], w, klen) == 0 &&
			    (scope->v[j][klen] == '=' || scope->v[j][klen] == '\0'))
				break;
		if (j < scope->n) {
			free(scope->v[j]);
			scope->v[j] = entry;
		} else {
			strv_push_owned(scope, entry);
		}
	}
	return 0;
}

static int from_image(struct build *b, struct stage *s, const char *ref, struct clan_err *err)
{
	if (strcmp(ref, "scratch") == 0)
		return build_key("", "from scratch", "", s->key, err);
	struct image_record rec;
	if (image_record_get(&b->st, ref, b->o->userns, b->o->pull, &rec, err) < 0)
		return -1;
	s->img = rec;
	free(s->img.manifest);
	s->img.manifest = NULL;
	free(s->img.source);
	s->img.source = NULL;
	strv_free(&s->img.packages);
	_cleanup_free_ char *text = xasprintf("from %s", rec.id);
	return build_key("", text, "", s->key, err);
}

/* The record of another stage's result, as the base of this one. */
static void from_stage(struct stage *s, const struct stage *base)
{
	const struct image_record *r = &base->img;
	struct image_record *d = &s->img;
	strv_extend(&d->layers, &r->layers);
	strv_extend(&d->env, &r->env);
	strv_extend(&d->entrypoint, &r->entrypoint);
	strv_extend(&d->cmd, &r->cmd);
	strv_extend(&d->labels, &r->labels);
	strv_extend(&d->exposed, &r->exposed);
	strv_extend(&d->volumes, &r->volumes);
	strv_extend(&d->shell, &r->shell);
	d->workdir = r->workdir ? xstrdup(r->workdir) : NULL;
	d->user = r->user ? xstrdup(r->user) : NULL;
	d->stop_signal = r->stop_signal ? xstrdup(r->stop_signal) : NULL;
	image_health_copy(&r->health, &d->health);
	memcpy(s->key, base->key, sizeof s->key);
}

static int build_from(struct build *b, size_t i, const struct df_instr *in, struct clan_err *err)
{
	struct stage *s = &b->stages[i];
	for (size_t f = 0; f < in->flags.n; f++) {
		const char *fl = in->flags.v[f];
		if (strncmp(fl, "--platform=", 11) != 0)
			return clan_error_code(err, CLAN_EXIT_USAGE, "unknown flag %s", fl);
		_cleanup_free_ char *p = NULL;
		if (df_expand(fl + 11, b->df.escape, &b->global_args, &p, err) < 0)
			return -1;
		if (strcmp(p, "linux/amd64") != 0 && strcmp(p, "amd64") != 0 && *p)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "--platform=%s: clan builds linux/amd64 only", p);
	}
	_cleanup_free_ char *ref = NULL;
	if (df_expand(in->args.v[0], b->df.escape, &b->global_args, &ref, err) < 0)
		return -1;
	if (!*ref)
		return clan_error_code(err, CLAN_EXIT_USAGE, "the base image name is empty");
	long base = build_stage_named(b, ref, i);
	if (base >= 0 && b->stages[base].name) {
		if (build_stage(b, (size_t)base, err) < 0)
			return -1;
		from_stage(s, &b->stages[base]);
		build_say(b, in, NULL);
		return 0;
	}
	int rc = from_image(b, s, ref, err);
	build_say(b, in, NULL);
	return rc;
}

int build_stage(struct build *b, size_t i, struct clan_err *err)
{
	struct stage *s = &b->stages[i];
	if (s->built)
		return 0;
	if (s->building)
		return clan_error_code(err, CLAN_EXIT_USAGE, "stage %s depends on itself",
				       s->name ? s->name : "");
	s->building = true;
	const struct df_instr *from = &b->df.v[s->first];
	b->step++;
	if (build_from(b, i, from, err) < 0)
		return build_fail(b, from, err);
	for (size_t k = s->first + 1; k < s->end; k++) {
		b->step++;
		if (build_instr(b, s, &b->df.v[k], err) < 0)
			return build_fail(b, &b->df.v[k], err);
	}
	s->building = false;
	s->built = true;
	return 0;
}

static int read_dockerfile(struct build *b, char **text, struct clan_err *err)
{
	const struct build_opts *o = b->o;
	if (o->inline_text) {
		*text = xstrdup(o->inline_text);
		return 0;
	}
	struct stat st;
	bool missing = stat(o->context, &st) < 0;
	if (missing || !S_ISDIR(st.st_mode))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "the build context %s is not a directory%s", o->context,
				       missing && errno == ENOENT ? " (it does not exist)" : "");
	_cleanup_free_ char *path =
	    o->dockerfile ? xstrdup(o->dockerfile) : xasprintf("%s/Dockerfile", o->context);
	struct clan_err e;
	if (read_file(path, 4 << 20, text, &e) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "cannot read the Dockerfile %s: %s%s",
				       path, strerror(e.sys_errno),
				       o->dockerfile
					   ? ""
					   : " (name another: clan build -f FILE, compose's "
					     "dockerfile:, .clanrc's dockerfile =)");
	return 0;
}

/* The ARGs before the first FROM, and the stages. */
static int split_stages(struct build *b, struct clan_err *err)
{
	const struct dockerfile *df = &b->df;
	size_t i = 0;
	for (; i < df->n && strcmp(df->v[i].cmd, "from") != 0; i++) {
		const struct df_instr *in = &df->v[i];
		if (strcmp(in->cmd, "arg") != 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s:%d: only ARG may come before the first FROM",
					       b->df_name, in->line);
		if (build_arg_words(b, &in->args, &b->global_args, NULL, err) < 0)
			return build_fail(b, in, err);
	}
	if (i == df->n)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: no FROM instruction", b->df_name);
	b->stages = xcalloc(df->n, sizeof *b->stages);
	for (; i < df->n; i++) {
		const struct df_instr *in = &df->v[i];
		if (strcmp(in->cmd, "from") != 0) {
			b->stages[b->nstages - 1].end = i + 1;
			continue;
		}
		struct stage *s = &b->stages[b->nstages++];
		*s = (struct stage){.first = i, .end = i + 1};
		size_t n = in->args.n;
		if (n == 3 && strcasecmp(in->args.v[1], "as") == 0) {
			s->name = xstrdup(in->args.v[2]);
			for (char *c = s->name; *c; c++)
				*c = (char)tolower((unsigned char)*c);
		} else if (n != 1) {
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s:%d: FROM takes an image and an optional AS "
					       "NAME",
					       b->df_name, in->line);
		}
	}
	return 0;
}

static int target_stage(const struct build *b, size_t *out, struct clan_err *err)
{
	*out = b->nstages - 1;
	if (!b->o->target)
		return 0;
	for (size_t i = 0; i < b->nstages; i++)
		if (b->stages[i].name && strcasecmp(b->stages[i].name, b->o->target) == 0) {
			*out = i;
			return 0;
		}
	return clan_error_code(err, CLAN_EXIT_USAGE, "target stage %s could not be found",
			       b->o->target);
}

/* How many steps the target needs: its stage's and those of the stages it
 * names (FROM NAME, COPY --from=NAME), for the [n/N] counter. */
static int count_steps(const struct build *b, size_t i, bool *seen)
{
	if (seen[i])
		return 0;
	seen[i] = true;
	const struct stage *s = &b->stages[i];
	int n = (int)(s->end - s->first);
	for (size_t k = s->first; k < s->end; k++) {
		const struct df_instr *in = &b->df.v[k];
		const char *ref = k == s->first ? in->args.v[0] : NULL;
		for (size_t f = 0; !ref && f < in->flags.n; f++)
			if (strncmp(in->flags.v[f], "--from=", 7) == 0)
				ref = in->flags.v[f] + 7;
		long dep = ref ? build_stage_named(b, ref, i) : -1;
		if (dep >= 0 && (k != s->first || b->stages[dep].name))
			n += count_steps(b, (size_t)dep, seen);
	}
	return n;
}

static uint64_t layers_size(const struct build *b, const struct strv *layers)
{
	uint64_t total = 0;
	for (size_t i = 0; i < layers->n; i++) {
		_cleanup_free_ char *p = imgstore_layer_path(&b->st, layers->v[i]);
		total += disk_usage(p);
	}
	return total;
}

/* The target's record, saved once (a rebuild with every step cached
 * finds it there), and its tags. */
static int save_image(struct build *b, struct stage *s, char id[72], struct clan_err *err)
{
	memcpy(s->img.id, s->key, sizeof s->img.id);
	memcpy(id, s->key, 72);
	struct image_record old;
	struct clan_err ignored;
	if (imgstore_load_image(&b->st, id, &old, &ignored) == 0) {
		image_record_free(&old);
	} else {
		s->img.source = xstrdup("build");
		s->img.created = (int64_t)time(NULL);
		s->img.size = layers_size(b, &s->img.layers);
		if (imgstore_save_image(&b->st, &s->img, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < b->tags.n; i++)
		if (imgstore_tag(&b->st, b->tags.v[i], id, err) < 0)
			return -1;
	return 0;
}

static void build_free(struct build *b)
{
	for (size_t i = 0; i < b->nstages; i++) {
		free(b->stages[i].name);
		image_record_free(&b->stages[i].img);
		strv_free(&b->stages[i].args);
	}
	free(b->stages);
	strv_free(&b->global_args);
	strv_free(&b->tags);
	dockerfile_free(&b->df);
	build_context_free(&b->ctx);
	imgstore_close(&b->st);
	free(b->storage);
}

/* The whole file before any step, as BuildKit checks it: a typo on line
 * 30 fails at once, not after the 20 steps above it. */
static int check_instructions(const struct build *b, struct clan_err *err)
{
	static const char *const known[] = {
	    "ADD",    "ARG",   "CMD",	      "COPY",  "ENTRYPOINT", "ENV",
	    "EXPOSE", "FROM",  "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD",
	    "RUN",    "SHELL", "STOPSIGNAL",  "USER",  "VOLUME",     "WORKDIR"};
	for (size_t i = 0; i < b->df.n; i++) {
		const struct df_instr *in = &b->df.v[i];
		bool ok = false;
		for (size_t k = 0; k < ARRAY_SIZE(known) && !ok; k++)
			ok = strcasecmp(in->cmd, known[k]) == 0;
		if (!ok) {
			char up[32];
			instr_name(in, up);
			suggest_error(err, "instruction", up, known, ARRAY_SIZE(known), NULL);
			return build_fail(b, in, err);
		}
	}
	return 0;
}

int build_image(const struct build_opts *o, char id[72], struct clan_err *err)
{
	/* the tags checked (and made canonical) before anything is built */
	struct strv tags = {0};
	for (size_t i = 0; i < o->tags.n; i++) {
		struct image_ref ref;
		if (image_ref_parse(o->tags.v[i], &ref, err) < 0) {
			strv_free(&tags);
			return clan_error_wrap(err, "-t %s", o->tags.v[i]);
		}
		strv_push_owned(&tags, image_ref_format(&ref));
		image_ref_free(&ref);
	}
	struct build b = {.o = o, .df_name = "Dockerfile", .tags = tags};
	b.ctx.root_fd = -1;
	b.storage = paths_storage_dir();
	if (o->no_cache)
		snprintf(b.nonce, sizeof b.nonce, "%lld.%d", (long long)time(NULL), (int)getpid());
	_cleanup_free_ char *text = NULL;
	size_t target;
	int rc = imgstore_open(&b.st, b.storage, err);
	if (rc == 0)
		rc = userns_plan_make(o->userns, 0, 0, &b.plan, err);
	if (rc == 0)
		rc = read_dockerfile(&b, &text, err);
	if (rc == 0)
		rc = dockerfile_parse(text, strlen(text), b.df_name, &b.df, err);
	if (rc == 0)
		rc = check_instructions(&b, err);
	if (rc == 0)
		rc = split_stages(&b, err);
	if (rc == 0)
		rc = target_stage(&b, &target, err);
	if (rc == 0) {
		_cleanup_free_ bool *seen = xcalloc(b.nstages, sizeof *seen);
		b.nsteps = count_steps(&b, target, seen);
		rc = build_stage(&b, target, err);
	}
	if (rc == 0)
		rc = save_image(&b, &b.stages[target], id, err);
	build_free(&b);
	return rc;
}
