/* What each instruction of a stage does to its image: the config ones
 * change the record, the file ones (COPY, ADD, WORKDIR, RUN) add a layer,
 * made once per key and found again after. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/duration.h"
#include "base/safe_path.h"
#include "base/strbuf.h"
#include "build/build_copy.h"
#include "build/build_fetch.h"
#include "build/build_int.h"
#include "build/df_expand.h"
#include "container/container.h"
#include "container/image.h"
#include "image/imgstore_gc.h"
#include "ns/passwd.h"

static int expand(const struct stage *s, const struct build *b, const char *word, char **out,
		  struct clan_err *err)
{
	struct strv env = {0};
	build_scope(s, &env);
	int rc = df_expand(word, b->df.escape, &env, out, err);
	strv_free(&env);
	return rc;
}

/* K=V into list, replacing K. */
static void put_kv(struct strv *list, const char *k, const char *v)
{
	struct strv one = {0};
	strv_push_owned(&one, xasprintf("%s=%s", k, v));
	env_merge(list, &one);
	strv_free(&one);
}

static void push_unique(struct strv *list, const char *v)
{
	if (!strv_contains(list, v))
		strv_push(list, v);
}

/* The step's text for its key: the instruction, its flags and words. */
static char *step_text(const struct df_instr *in, const struct strv *words, const char *extra)
{
	size_t len = strlen(in->cmd) + 8 + (extra ? strlen(extra) : 0);
	for (size_t i = 0; i < in->flags.n; i++)
		len += strlen(in->flags.v[i]) + 1;
	for (size_t i = 0; i < words->n; i++)
		len += strlen(words->v[i]) + 24;
	char *t = xmalloc(len + 1);
	size_t o = (size_t)snprintf(t, len + 1, "%s%s", in->cmd, in->json ? "[]" : "");
	for (size_t i = 0; i < in->flags.n; i++)
		o += (size_t)snprintf(t + o, len + 1 - o, "\n%s", in->flags.v[i]);
	/* each word with its length: ["a\nb"] and ["a", "b"] differ */
	for (size_t i = 0; i < words->n; i++)
		o += (size_t)snprintf(t + o, len + 1 - o, "\n%zu:%s", strlen(words->v[i]),
				      words->v[i]);
	if (extra)
		snprintf(t + o, len + 1 - o, "\n%s", extra);
	return t;
}

static int chain(struct build *b, struct stage *s, const struct df_instr *in,
		 const struct strv *words, struct clan_err *err)
{
	_cleanup_free_ char *text = step_text(in, words, NULL);
	build_say(b, in, NULL);
	return build_key(s->key, text, b->nonce, s->key, err);
}

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return true;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			break;
	closedir(d);
	return e == NULL;
}

/* The layer of key on the stage: an empty one (nothing changed) is not
 * stacked, overlayfs has a limit of lowers. */
static void push_layer(struct build *b, struct stage *s, const char *key)
{
	_cleanup_free_ char *path = imgstore_layer_path(&b->st, key);
	if (!dir_is_empty(path))
		strv_push(&s->img.layers, key);
}

/* Whether the step of key is made already: then it is taken as it is. */
static bool cached(struct build *b, struct stage *s, const struct df_instr *in, const char *key)
{
	if (!imgstore_has_layer(&b->st, key))
		return false;
	push_layer(b, s, key);
	build_say(b, in, "CACHED");
	return true;
}

/* Moves cdir/upper into the store as layer key, and cdir away. */
static int commit_layer(struct build *b, struct stage *s, const char *cdir, const char *key,
			struct clan_err *err)
{
	_cleanup_free_ char *upper = xasprintf("%s/upper", cdir);
	int rc = imgstore_layer_commit(&b->st, upper, key, err);
	struct clan_err ignored;
	imgstore_remove_tree(cdir, &ignored);
	if (rc == 0)
		push_layer(b, s, key);
	return rc;
}

static void say_done(struct build *b, const struct df_instr *in, const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	char note[32];
	snprintf(note, sizeof note, "(%.1fs)",
		 (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9);
	build_say(b, in, note);
}

/* The stage's root as layers top first, for a step to mount. */
static void stage_lowers(struct build *b, const struct stage *s, struct strv *out)
{
	for (size_t i = s->img.layers.n; i-- > 0;)
		strv_push_owned(out, imgstore_layer_path(&b->st, s->img.layers.v[i]));
}

static int file_step(struct build *b, struct stage *s, const struct df_instr *in,
		     const struct copy_step *cs, const char *key, struct clan_err *err)
{
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct strv lowers = {0};
	stage_lowers(b, s, &lowers);
	_cleanup_free_ char *cdir = NULL;
	int rc = imgstore_layer_tmpdir(&b->st, &cdir, err);
	if (rc == 0) {
		struct copy_step run = *cs;
		run.lowers = &lowers;
		run.cdir = cdir;
		rc = copy_step_run(&run, &b->plan, err);
		if (rc == 0) {
			rc = commit_layer(b, s, cdir, key, err);
		} else {
			struct clan_err ignored;
			imgstore_remove_tree(cdir, &ignored);
		}
	}
	strv_free(&lowers);
	if (rc == 0)
		say_done(b, in, &t0);
	return rc;
}

static const char *workdir_of(const struct stage *s)
{
	return s->img.workdir && *s->img.workdir ? s->img.workdir : "/";
}

static int do_workdir(struct build *b, struct stage *s, const struct df_instr *in,
		      struct clan_err *err)
{
	_cleanup_free_ char *dir = NULL;
	if (in->args.n != 1)
		return clan_error_code(err, CLAN_EXIT_USAGE, "WORKDIR takes one path");
	if (expand(s, b, in->args.v[0], &dir, err) < 0)
		return -1;
	char *workdir = path_under(workdir_of(s), dir);
	free(s->img.workdir);
	s->img.workdir = workdir;
	struct strv words = {0};
	strv_push(&words, s->img.workdir);
	_cleanup_free_ char *text = step_text(in, &words, NULL);
	strv_free(&words);
	/* the dir is made (as Docker does), so a later CMD can start there */
	if (build_key(s->key, text, b->nonce, s->key, err) < 0)
		return -1;
	if (cached(b, s, in, s->key))
		return 0;
	struct copy_step cs = {.mkdir = s->img.workdir, .chmod = -1};
	return file_step(b, s, in, &cs, s->key, err);
}

/* --chown=USER[:GROUP] against the stage's /etc/passwd and /etc/group;
 * USER alone takes its uid as gid too, as Docker does. */
static int chown_ids(struct build *b, const struct stage *s, const char *spec, struct copy_step *cs,
		     struct clan_err *err)
{
	struct image img = {.ref = (char *)"stage"};
	if (image_of_record(&b->st, &s->img, &img, err) < 0) {
		img.ref = NULL;
		image_free(&img);
		return -1;
	}
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	image_read_file(&img, "etc/passwd", 1 << 20, &passwd);
	image_read_file(&img, "etc/group", 1 << 20, &group);
	img.ref = NULL;
	image_free(&img);
	struct user_ids ids;
	if (user_resolve(spec, passwd, group, &ids, err) < 0)
		return clan_error_wrap(err, "--chown=%s", spec);
	cs->chown = true;
	cs->uid = ids.uid;
	cs->gid = strchr(spec, ':') ? ids.gid : ids.uid;
	return 0;
}

struct copy_flags {
	const char *from, *chown, *chmod, *checksum;
};

static int copy_flags(const struct df_instr *in, struct copy_flags *f, struct clan_err *err)
{
	*f = (struct copy_flags){0};
	for (size_t i = 0; i < in->flags.n; i++) {
		const char *fl = in->flags.v[i];
		if (strncmp(fl, "--from=", 7) == 0)
			f->from = fl + 7;
		else if (strncmp(fl, "--chown=", 8) == 0)
			f->chown = fl + 8;
		else if (strncmp(fl, "--chmod=", 8) == 0)
			f->chmod = fl + 8;
		else if (strncmp(fl, "--checksum=", 11) == 0 && strcmp(in->cmd, "add") == 0)
			f->checksum = fl + 11;
		else if (strcmp(fl, "--link") != 0 && strcmp(fl, "--link=true") != 0 &&
			 strcmp(fl, "--link=false") != 0)
			return clan_error_code(err, CLAN_EXIT_USAGE, "unknown flag %s", fl);
	}
	if (f->from && strcmp(in->cmd, "add") == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "ADD has no --from; use COPY --from");
	return 0;
}

static int copy_chmod(const char *text, struct copy_step *cs, struct clan_err *err)
{
	char *end;
	long m = strtol(text, &end, 8);
	if (!*text || *end || m < 0 || m > 07777)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "--chmod=%s: give an octal mode, e.g. --chmod=0755", text);
	cs->chmod = (int)m;
	return 0;
}

/* COPY <<NAME DEST: each heredoc a file NAME (0644) of a context of its
 * own, its text expanded unless its delimiter was quoted, as BuildKit
 * does. */
static int heredoc_context(struct build *b, const struct stage *s, const struct df_instr *in,
			   struct build_context *ctx, char **dir, struct clan_err *err)
{
	*dir = xasprintf("%s/build/heredoc-%d", b->storage, (int)getpid());
	struct clan_err ignored;
	remove_tree(*dir, &ignored);
	if (mkdir_p(*dir, 0700, err) < 0)
		return -1;
	for (size_t i = 0; i < in->heredocs.n; i++) {
		const char *name = in->heredoc_names.v[i];
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "the heredoc <<%s cannot be a file's name", name);
		_cleanup_free_ char *text = NULL;
		bool quoted = i < 32 && (in->heredoc_quoted & (1u << i));
		if (!quoted) {
			struct strv env = {0};
			build_scope(s, &env);
			int rc = df_expand_text(in->heredocs.v[i], b->df.escape, &env, &text, err);
			strv_free(&env);
			if (rc < 0)
				return -1;
		}
		_cleanup_free_ char *path = xasprintf("%s/%s", *dir, name);
		const char *body = quoted ? in->heredocs.v[i] : text;
		if (write_file(path, body, strlen(body), err) < 0 || chmod(path, 0644) < 0)
			return clan_error(err, errno, "cannot write the heredoc %s", name);
	}
	return build_context_load(*dir, NULL, ctx, err);
}

/* ADD's sources that are URLs: all of them or none. */
static int url_sources(const struct strv *words, bool add, const struct copy_flags *f, size_t *n,
		       struct clan_err *err)
{
	*n = 0;
	for (size_t i = 0; i + 1 < words->n; i++) {
		if (add && strncmp(words->v[i], "git@", 4) == 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "ADD of a git repository (%s) is not supported; "
					       "clone it beside the Dockerfile",
					       words->v[i]);
		*n += add && build_is_url(words->v[i]);
	}
	if (*n && *n + 1 != words->n)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "URLs and files of the context cannot be added by one "
				       "ADD: use two");
	if (f->checksum && !*n)
		return clan_error_code(err, CLAN_EXIT_USAGE, "--checksum is for URLs");
	return 0;
}

static void remove_heredocs(struct build_context *ctx, const char *dir)
{
	struct clan_err ignored;
	build_context_free(ctx);
	if (dir)
		remove_tree(dir, &ignored);
}

static int do_copy(struct build *b, struct stage *s, const struct df_instr *in,
		   struct clan_err *err)
{
	struct copy_flags f;
	if (copy_flags(in, &f, err) < 0)
		return -1;
	if (in->args.n < 2)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s needs a source and a destination",
				       strcmp(in->cmd, "add") == 0 ? "ADD" : "COPY");
	struct build_context hctx = {.root_fd = -1};
	_cleanup_free_ char *hdir = NULL;
	if (in->heredocs.n && heredoc_context(b, s, in, &hctx, &hdir, err) < 0) {
		remove_heredocs(&hctx, hdir);
		return -1;
	}
	struct strv words = {0}, srcs = {0};
	struct copy_step cs = {.srcs = &srcs, .chmod = -1, .add = strcmp(in->cmd, "add") == 0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < in->args.n; i++) {
		char *w = NULL;
		rc = expand(s, b, in->args.v[i], &w, err);
		if (rc == 0)
			strv_push_owned(&words, w);
	}
	size_t nurls = 0;
	if (rc == 0)
		rc = url_sources(&words, cs.add, &f, &nurls, err);
	for (size_t i = 0; rc == 0 && !nurls && i + 1 < words.n; i++) {
		if (in->heredocs.n && strncmp(words.v[i], "<<", 2) != 0)
			rc =
			    clan_error_code(err, CLAN_EXIT_USAGE,
					    "heredocs and files of the context cannot be copied by "
					    "one %s: use two",
					    cs.add ? "ADD" : "COPY");
		else if (in->heredocs.n)
			strv_push(&srcs, in->heredoc_names.v[srcs.n]);
		else
			strv_push(&srcs, words.v[i]);
	}
	if (rc == 0 && in->heredocs.n && srcs.n != in->heredocs.n)
		rc = clan_error_code(err, CLAN_EXIT_USAGE, "a heredoc is not a source of this %s",
				     cs.add ? "ADD" : "COPY");
	const char *dest = rc == 0 ? words.v[words.n - 1] : NULL;
	_cleanup_free_ char *abs_dest = NULL;
	if (rc == 0) {
		size_t dl = strlen(dest);
		bool slash = dl && dest[dl - 1] == '/';
		_cleanup_free_ char *clean = path_under(workdir_of(s), dest);
		abs_dest =
		    slash && strcmp(clean, "/") != 0 ? xasprintf("%s/", clean) : xstrdup(clean);
		cs.dest = abs_dest;
	}
	_cleanup_free_ char *chown = NULL, *chmod = NULL, *from = NULL;
	if (rc == 0 && f.chown && (rc = expand(s, b, f.chown, &chown, err)) == 0)
		rc = chown_ids(b, s, chown, &cs, err);
	if (rc == 0 && f.chmod && (rc = expand(s, b, f.chmod, &chmod, err)) == 0)
		rc = copy_chmod(chmod, &cs, err);
	char content[72] = "";
	struct strv from_lowers = {0};
	if (rc == 0 && f.from && (rc = expand(s, b, f.from, &from, err)) == 0) {
		size_t self = (size_t)(s - b->stages);
		long dep = build_stage_named(b, from, self);
		if (dep >= 0) {
			rc = build_stage(b, (size_t)dep, err);
			if (rc == 0) {
				stage_lowers(b, &b->stages[dep], &from_lowers);
				snprintf(content, sizeof content, "%s", b->stages[dep].key);
			}
		} else {
			struct image_record rec;
			rc = image_record_get(&b->st, from, b->o->userns, false, &rec, err);
			if (rc == 0) {
				for (size_t i = rec.layers.n; i-- > 0;)
					strv_push_owned(&from_lowers, imgstore_layer_path(
									  &b->st, rec.layers.v[i]));
				snprintf(content, sizeof content, "%s", rec.id);
				image_record_free(&rec);
			}
		}
		if (rc == 0 && from_lowers.n == 0)
			rc = clan_error_code(err, CLAN_EXIT_USAGE,
					     "--from=%s: that image has no files to copy", from);
		cs.from = &from_lowers;
	} else if (rc == 0 && nurls) {
		struct strv urls = {.v = words.v, .n = nurls};
		_cleanup_free_ char *checksum = NULL;
		if (f.checksum)
			rc = expand(s, b, f.checksum, &checksum, err);
		if (rc == 0)
			rc = build_url_context(&b->st, b->storage, &urls, checksum, &hctx, &hdir,
					       &srcs, err);
		/* a download is not unpacked, and is 0600 unless --chmod says, as
		 * Docker has it */
		cs.add = false;
		cs.chmod = cs.chmod < 0 ? 0600 : cs.chmod;
		cs.ctx = &hctx;
		cs.literal = true;
		if (rc == 0)
			rc = copy_sources_key(&hctx, &srcs, true, content, err);
	} else if (rc == 0 && in->heredocs.n) {
		cs.ctx = &hctx;
		cs.literal = true;
		rc = copy_sources_key(&hctx, &srcs, true, content, err);
	} else if (rc == 0) {
		if (!b->ctx_loaded)
			rc = build_context_load(b->o->context, b->storage, &b->ctx, err);
		b->ctx_loaded = rc == 0;
		cs.ctx = &b->ctx;
		if (rc == 0)
			rc = copy_sources_key(&b->ctx, &srcs, false, content, err);
	}
	if (rc == 0) {
		/* what the copy depends on beyond the words: the ids, the
		 * sources' content */
		char extra[256];
		snprintf(extra, sizeof extra, "%s %u:%u %s", content, cs.chown ? cs.uid : 0,
			 cs.chown ? cs.gid : 0,
			 b->plan.mode == USERNS_SUBUID ? "subuid" : "single");
		_cleanup_free_ char *text = step_text(in, &words, extra);
		rc = build_key(s->key, text, b->nonce, s->key, err);
	}
	if (rc == 0 && !cached(b, s, in, s->key))
		rc = file_step(b, s, in, &cs, s->key, err);
	strv_free(&words);
	strv_free(&srcs);
	strv_free(&from_lowers);
	remove_heredocs(&hctx, hdir);
	return rc;
}

static const struct strv *shell_of(const struct stage *s, struct strv *fallback)
{
	if (s->img.shell.n)
		return &s->img.shell;
	strv_push(fallback, "/bin/sh");
	strv_push(fallback, "-c");
	return fallback;
}

/* A delimiter that is no line of body. */
static char *fresh_delimiter(const char *body)
{
	for (unsigned i = 0;; i++) {
		char *d = xasprintf("CLAN_HEREDOC_%u", i);
		size_t n = strlen(d);
		bool used = false;
		for (const char *p = body; *p && !used;
		     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
			used = strncmp(p, d, n) == 0 && (p[n] == '\n' || !p[n]);
		if (!used)
			return d;
		free(d);
	}
}

/* RUN's shell-form text with its heredocs. A RUN that is one heredoc runs
 * it as the script (a #! one as a program: written to a file that is
 * removed after); otherwise the shell gets the line and the heredocs as
 * written, and reads them itself. */
static char *run_text(const struct df_instr *in)
{
	const char *line = in->args.n ? in->args.v[0] : "";
	if (in->heredocs.n == 0)
		return xstrdup(line);
	const char *m = line + 2 + (line[2] == '-');
	m += (*m == '"' || *m == '\'');
	size_t nl = strlen(in->heredoc_names.v[0]);
	const char *after = m + nl + (m[nl] == '"' || m[nl] == '\'');
	bool alone = in->heredocs.n == 1 && strncmp(line, "<<", 2) == 0 &&
		     strncmp(m, in->heredoc_names.v[0], nl) == 0 && !*after;
	const char *body = in->heredocs.v[0];
	if (alone && strncmp(body, "#!", 2) != 0)
		return xstrdup(body);
	if (alone) {
		_cleanup_free_ char *d = fresh_delimiter(body);
		return xasprintf("f=$(mktemp) && cat >\"$f\" <<'%s'\n%s%s\nchmod +x \"$f\" && "
				 "\"$f\"; rc=$?; rm -f \"$f\"; exit $rc",
				 d, body, d);
	}
	struct strbuf t = {0};
	strbuf_adds(&t, line);
	strbuf_addc(&t, '\n');
	for (size_t i = 0; i < in->heredocs.n; i++) {
		strbuf_adds(&t, in->heredocs.v[i]);
		strbuf_adds(&t, in->heredoc_names.v[i]);
		strbuf_addc(&t, '\n');
	}
	return strbuf_steal(&t);
}

/* CMD, ENTRYPOINT and RUN: the exec form as written, the shell form as
 * SHELL plus the text. */
static void command_of(const struct stage *s, const struct df_instr *in, struct strv *out)
{
	if (in->json) {
		for (size_t i = 0; i < in->args.n; i++)
			strv_push(out, in->args.v[i]);
		return;
	}
	struct strv fb = {0};
	const struct strv *sh = shell_of(s, &fb);
	for (size_t i = 0; i < sh->n; i++)
		strv_push(out, sh->v[i]);
	strv_free(&fb);
	if (in->args.n)
		strv_push_owned(out, run_text(in));
}

/* --mount=type=cache,target=DIR[,id=ID][,sharing=..][,mode=..][,uid=..]
 * [,gid=..][,readonly]: a dir of the user's store (one per id, else per
 * target) bound at DIR during RUN, never in the layer, kept between
 * builds for pip's and apt's downloads. Other types are refused. */
static int cache_mount(struct build *b, const struct stage *s, const char *spec,
		       struct strv *mounts, struct clan_err *err)
{
	_cleanup_free_ char *text = NULL;
	if (expand(s, b, spec, &text, err) < 0)
		return -1;
	_cleanup_free_ char *type = NULL, *target = NULL, *id = NULL;
	static const char *const accepted[] = {"sharing", "mode", "uid", "gid", "readonly", "ro"};
	char *save = NULL;
	for (char *kv = strtok_r(text, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		const char *v = eq ? eq + 1 : "";
		if (eq)
			*eq = '\0';
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(accepted); i++)
			known = known || strcmp(kv, accepted[i]) == 0;
		char **field = strcmp(kv, "type") == 0 ? &type
			       : strcmp(kv, "target") == 0 || strcmp(kv, "dst") == 0 ||
				       strcmp(kv, "destination") == 0
				   ? &target
			       : strcmp(kv, "id") == 0 ? &id
						       : NULL;
		if (field) {
			free(*field);
			*field = xstrdup(v);
		} else if (!known) {
			return clan_error_code(err, CLAN_EXIT_USAGE, "--mount: unknown option %s",
					       kv);
		}
	}
	if (!type || strcmp(type, "cache") != 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "--mount=type=%s is not supported yet (clan has "
				       "type=cache)",
				       type ? type : "bind");
	if (!target || !*target)
		return clan_error_code(err, CLAN_EXIT_USAGE, "--mount=type=cache needs target=DIR");
	_cleanup_free_ char *dst = path_under(workdir_of(s), target);
	char key[72];
	const char *name = id && *id ? id : dst;
	if (sha256_digest(name, strlen(name), key, err) < 0)
		return -1;
	_cleanup_free_ char *dir = xasprintf("%s/build/cache/%.32s", b->storage, key + 7);
	if (mkdir_p(dir, 0700, err) < 0)
		return -1;
	strv_push_owned(mounts, xasprintf("%s:%s", dir, dst));
	return 0;
}

static int do_run(struct build *b, struct stage *s, const struct df_instr *in, struct clan_err *err)
{
	bool no_network = false;
	struct strv mounts = {0};
	for (size_t i = 0; i < in->flags.n; i++) {
		const char *fl = in->flags.v[i];
		if (strcmp(fl, "--network=none") == 0) {
			no_network = true;
		} else if (strncmp(fl, "--mount=", 8) == 0) {
			if (cache_mount(b, s, fl + 8, &mounts, err) < 0) {
				strv_free(&mounts);
				return -1;
			}
		} else if (strcmp(fl, "--network=default") != 0) {
			strv_free(&mounts);
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s is not supported yet (RUN takes "
					       "--network=none|default and --mount=type=cache)",
					       fl);
		}
	}
	struct strv argv = {0};
	command_of(s, in, &argv);
	/* the ARGs in scope are RUN's environment, so they are its input */
	struct strv words = {0};
	for (size_t i = 0; i < argv.n; i++)
		strv_push(&words, argv.v[i]);
	for (size_t i = 0; i < s->args.n; i++)
		strv_push(&words, s->args.v[i]);
	_cleanup_free_ char *text =
	    step_text(in, &words, b->plan.mode == USERNS_SUBUID ? "subuid" : "single");
	strv_free(&words);
	int rc = build_key(s->key, text, b->nonce, s->key, err);
	if (rc == 0 && !cached(b, s, in, s->key)) {
		build_say(b, in, NULL);
		struct timespec t0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = build_run_step(b, s, &argv, &mounts, no_network, s->key, err);
		if (rc == 0) {
			push_layer(b, s, s->key);
			say_done(b, in, &t0);
		}
	}
	strv_free(&argv);
	strv_free(&mounts);
	return rc;
}

static int do_pairs(struct build *b, struct stage *s, const struct df_instr *in, struct strv *into,
		    struct clan_err *err)
{
	if (in->args.n == 0 || in->args.n % 2)
		return clan_error_code(err, CLAN_EXIT_USAGE, "needs KEY=VALUE pairs");
	struct strv words = {0};
	struct strv set = {0};
	int rc = 0;
	/* every value expands with the scope before the instruction */
	for (size_t i = 0; rc == 0 && i < in->args.n; i += 2) {
		char *k = NULL, *v = NULL;
		rc = expand(s, b, in->args.v[i], &k, err);
		if (rc == 0)
			rc = expand(s, b, in->args.v[i + 1], &v, err);
		if (rc == 0) {
			strv_push_owned(&set, xasprintf("%s=%s", k, v));
			strv_push(&words, k);
			strv_push(&words, v);
		}
		free(k);
		free(v);
	}
	for (size_t i = 0; rc == 0 && i < set.n; i++) {
		char *eq = strchr(set.v[i], '=');
		*eq = '\0';
		put_kv(into, set.v[i], eq + 1);
	}
	if (rc == 0)
		rc = chain(b, s, in, &words, err);
	strv_free(&words);
	strv_free(&set);
	return rc;
}

static int do_words(struct build *b, struct stage *s, const struct df_instr *in, bool expand_them,
		    struct strv *words, struct clan_err *err)
{
	for (size_t i = 0; i < in->args.n; i++) {
		char *w = NULL;
		if (!expand_them)
			w = xstrdup(in->args.v[i]);
		else if (expand(s, b, in->args.v[i], &w, err) < 0)
			return -1;
		strv_push_owned(words, w);
	}
	return 0;
}

static int do_config(struct build *b, struct stage *s, const struct df_instr *in,
		     struct clan_err *err)
{
	const char *c = in->cmd;
	struct image_record *r = &s->img;
	struct strv words = {0};
	int rc = 0;
	if (strcmp(c, "cmd") == 0 || strcmp(c, "entrypoint") == 0) {
		struct strv *into = c[0] == 'c' ? &r->cmd : &r->entrypoint;
		strv_free(into);
		command_of(s, in, into);
		/* a new ENTRYPOINT drops the base image's CMD (not one this stage
		 * set), as Docker does */
		if (c[0] == 'c')
			s->cmd_set = true;
		else if (!s->cmd_set)
			strv_free(&r->cmd);
		rc = do_words(b, s, in, false, &words, err);
	} else if (strcmp(c, "user") == 0 || strcmp(c, "stopsignal") == 0) {
		rc = do_words(b, s, in, true, &words, err);
		if (rc == 0 && words.n != 1)
			rc = clan_error_code(err, CLAN_EXIT_USAGE, "takes one word");
		char **field = c[0] == 'u' ? &r->user : &r->stop_signal;
		if (rc == 0) {
			free(*field);
			*field = xstrdup(words.v[0]);
		}
	} else if (strcmp(c, "expose") == 0 || strcmp(c, "volume") == 0) {
		rc = do_words(b, s, in, true, &words, err);
		for (size_t i = 0; rc == 0 && i < words.n; i++) {
			if (c[0] == 'v') {
				push_unique(&r->volumes, words.v[i]);
			} else {
				_cleanup_free_ char *p = strchr(words.v[i], '/')
							     ? xstrdup(words.v[i])
							     : xasprintf("%s/tcp", words.v[i]);
				push_unique(&r->exposed, p);
			}
		}
	} else if (strcmp(c, "shell") == 0) {
		if (!in->json || in->args.n == 0)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "SHELL takes a JSON array, e.g. [\"/bin/bash\", "
					       "\"-c\"]");
		strv_free(&r->shell);
		rc = do_words(b, s, in, false, &r->shell, err);
		if (rc == 0)
			rc = do_words(b, s, in, false, &words, err);
	} else if (strcmp(c, "maintainer") == 0) {
		put_kv(&r->labels, "maintainer", in->args.n ? in->args.v[0] : "");
		rc = do_words(b, s, in, false, &words, err);
	}
	if (rc == 0)
		rc = chain(b, s, in, &words, err);
	strv_free(&words);
	return rc;
}

/* --interval=D, --timeout=D, --start-period=D, --start-interval=D,
 * --retries=N: what is not given stays unset (the defaults apply). */
static int health_flag(const char *fl, struct image_health *h, struct clan_err *err)
{
	static const char *const names[] = {
	    "--interval=", "--timeout=", "--start-period=", "--start-interval="};
	int64_t *slots[] = {&h->interval_ns, &h->timeout_ns, &h->start_period_ns,
			    &h->start_interval_ns};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);
		int ms;
		if (strncmp(fl, names[i], n) != 0)
			continue;
		if (duration_parse(fl + n, &ms, err) < 0)
			return clan_error_wrap(err, "%.*s", (int)n - 1, fl);
		*slots[i] = (int64_t)ms * 1000000;
		return 0;
	}
	uint32_t r;
	if (strncmp(fl, "--retries=", 10) == 0 && parse_u32(fl + 10, &r) && r < 1000000) {
		h->retries = (int)r;
		return 0;
	}
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "unknown flag %s (HEALTHCHECK takes --interval, --timeout, "
			       "--start-period, --start-interval and --retries)",
			       fl);
}

/* HEALTHCHECK [FLAGS] CMD command | NONE: the image's check, which a
 * service without a healthcheck: of its own runs. */
static int do_healthcheck(struct build *b, struct stage *s, const struct df_instr *in,
			  struct clan_err *err)
{
	struct image_health h = {0};
	const char *kind = in->args.n ? in->args.v[0] : "";
	int rc = 0;
	if (strcasecmp(kind, "none") == 0 && in->args.n == 1 && in->flags.n == 0) {
		strv_push(&h.test, "NONE");
	} else if (strcasecmp(kind, "cmd") == 0 && in->args.n > 1) {
		strv_push(&h.test, in->json ? "CMD" : "CMD-SHELL");
		for (size_t i = 1; i < in->args.n; i++)
			strv_push(&h.test, in->args.v[i]);
		for (size_t i = 0; rc == 0 && i < in->flags.n; i++)
			rc = health_flag(in->flags.v[i], &h, err);
	} else {
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "HEALTHCHECK takes [FLAGS] CMD command, or NONE alone");
	}
	if (rc == 0)
		rc = chain(b, s, in, &h.test, err);
	if (rc == 0) {
		strv_free(&s->img.health.test);
		s->img.health = h;
	} else {
		strv_free(&h.test);
	}
	return rc;
}

int build_instr(struct build *b, struct stage *s, const struct df_instr *in, struct clan_err *err)
{
	const char *c = in->cmd;
	if (strcmp(c, "run") == 0)
		return do_run(b, s, in, err);
	if (strcmp(c, "copy") == 0 || strcmp(c, "add") == 0)
		return do_copy(b, s, in, err);
	if (strcmp(c, "workdir") == 0)
		return do_workdir(b, s, in, err);
	if (strcmp(c, "env") == 0)
		return do_pairs(b, s, in, &s->img.env, err);
	if (strcmp(c, "label") == 0)
		return do_pairs(b, s, in, &s->img.labels, err);
	if (strcmp(c, "arg") == 0) {
		if (build_arg_words(b, &in->args, &s->args, &b->global_args, err) < 0)
			return -1;
		return chain(b, s, in, &s->args, err);
	}
	if (strcmp(c, "healthcheck") == 0)
		return do_healthcheck(b, s, in, err);
	if (strcmp(c, "onbuild") == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "ONBUILD is not supported: write the instructions into "
				       "the Dockerfile that uses this image");
	static const char *const config[] = {"cmd",    "entrypoint", "user",  "stopsignal",
					     "expose", "volume",     "shell", "maintainer"};
	for (size_t i = 0; i < ARRAY_SIZE(config); i++)
		if (strcmp(c, config[i]) == 0)
			return do_config(b, s, in, err);
	return clan_error_code(err, CLAN_EXIT_USAGE, "unknown instruction");
}
