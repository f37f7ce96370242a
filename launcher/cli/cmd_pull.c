/* clan pull [-q] [--platform OS/ARCH] REF...: images from registries into
 * the store, with one progress bar per layer on a terminal. In a project
 * dir without operands, or with service names, as compose's pull: the
 * registry images of those services (all without operands). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "image/imgstore.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "cli/svc_args.h"
#include "registry/registry.h"
#include "supervisor/stack_cli.h"

enum { OPT_QUIET = 1, OPT_PLATFORM };

static const struct opt_def pull_opts[] = {
    {"quiet", 'q', NULL, "print only the pulled references", OPT_QUIET},
    {"platform", 0, "P", "pull for another platform, e.g. linux/arm64", OPT_PLATFORM},
    {0},
};

const struct opt_cmd pull_cmd = {
    .name = "pull",
    .operands = "[REF... | SERVICE...]",
    .about = "Pulls images into the store. In a project dir, without operands or with\n"
	     "service names: the registry images of its services (a dir:, deb: or host\n"
	     "image is not pulled: it is used in place, or built at up).\n",
    .opts = pull_opts,
};

struct pull_args {
	bool quiet;
	char *os, *arch;
};

static int parse_platform(const char *v, struct pull_args *a, struct clan_err *err)
{
	const char *slash = strchr(v, '/');
	if (!slash || slash == v || !slash[1] || strchr(slash + 1, '/'))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "pull: --platform is OS/ARCH, e.g. linux/arm64, not '%s'",
				       v);
	a->os = xstrndup(v, (size_t)(slash - v));
	a->arch = xstrdup(slash + 1);
	return 0;
}

/* Parses every reference first: a bad one pulls nothing. */
static int parse_refs(int argc, char **argv, struct image_ref *refs, struct clan_err *err)
{
	for (int i = 0; i < argc; i++) {
		if (!image_ref_is_registry(argv[i]))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "pull: '%s' is not a registry image; deb:, dir: and "
					       "host images are built or used in place",
					       argv[i]);
		if (image_ref_parse(argv[i], &refs[i], err) < 0)
			return clan_error_wrap(err, "pull");
	}
	return 0;
}

static int pull_all(struct imgstore *st, struct image_ref *refs, int n,
		    const struct registry_opts *o)
{
	int rc = 0;
	for (int i = 0; i < n; i++) {
		struct clan_err one = {.code = CLAN_EXIT_FAIL};
		struct image_record rec;
		if (registry_pull(st, &refs[i], o, &rec, &one) < 0) {
			fflush(stdout);
			fprintf(stderr, "clan: pull: %s\n", one.msg);
			rc = one.code;
			continue;
		}
		image_record_free(&rec);
		_cleanup_free_ char *name = image_ref_format(&refs[i]);
		puts(name);
	}
	return rc;
}

static int pull_run(struct pull_args *a, int argc, char **argv, struct clan_ctx *ctx,
		    struct clan_err *err)
{
	(void)ctx; /* --debug is in the environment (base/debug.h) */
	struct image_ref *refs = xcalloc((size_t)argc, sizeof *refs);
	struct imgstore st = {0};
	struct userns_plan plan;
	int rc = parse_refs(argc, argv, refs, err);
	_cleanup_free_ char *storage = paths_storage_dir();
	if (rc == 0)
		rc = imgstore_open(&st, storage, err);
	if (rc == 0)
		rc = userns_plan_make(USERNS_AUTO, 0, 0, &plan, err);
	if (rc == 0) {
		struct registry_opts o = {
		    .os = a->os,
		    .arch = a->arch,
		    .progress = !a->quiet && isatty(STDOUT_FILENO),
		    .quiet = a->quiet,
		    .userns = &plan,
		};
		rc = pull_all(&st, refs, argc, &o);
	}
	imgstore_close(&st);
	for (int i = 0; i < argc; i++)
		image_ref_free(&refs[i]);
	free(refs);
	return rc;
}

/* The first --platform wins. */
static int pull_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct pull_args *a = arg;
	if (id == OPT_QUIET)
		a->quiet = true;
	else if (id == OPT_PLATFORM && !a->os)
		return parse_platform(v, a, err);
	return 0;
}

/* Whether the operands name services of the project here (none: all of
 * them): then *refs gets their registry images, and a note says which
 * services have none. 0: not a project's pull; 1: it is; -1: error. */
static int project_refs(struct clan_ctx *ctx, const struct strv *ops, struct strv *refs,
			struct clan_err *err)
{
	struct stack_ctx c;
	int here = stack_ctx_open_here(&c, &ctx->project, err);
	if (here <= 0)
		return here;
	bool services = svc_args_all_services(&c.st, ops);
	for (size_t i = 0; services && i < c.st.nsvcs; i++) {
		const struct service *s = &c.st.svcs[i];
		bool named = ops->n == 0;
		for (size_t k = 0; k < ops->n && !named; k++)
			named = strcmp(ops->v[k], s->name) == 0;
		if (!named)
			continue;
		bool twice = false;
		for (size_t k = 0; k < refs->n && !twice; k++)
			twice = strcmp(refs->v[k], s->image) == 0;
		if (image_ref_is_registry(s->image) && !twice)
			strv_push(refs, s->image);
		else if (twice)
			continue;
		else
			fprintf(stderr, "clan: pull: skipping %s: %s is not a registry image\n",
				s->name, s->image);
	}
	stack_ctx_free(&c);
	return services ? 1 : 0;
}

int cmd_pull(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct pull_args a = {0};

	struct strv refs = {0};
	int rc = opts_parse(&pull_cmd, argc, argv, pull_opt, &a, &ops, err);
	int project = rc == 0 ? project_refs(ctx, &ops, &refs, err) : 0;
	if (project < 0)
		rc = -1;
	if (rc == OPTS_HELP)
		rc = 0;
	else if (rc == 0 && project && refs.n > 0)
		rc = pull_run(&a, (int)refs.n, refs.v, ctx, err);
	else if (rc == 0 && project)
		rc = 0; /* each service said why it has nothing to pull */
	else if (rc == 0 && ops.n == 0)
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "pull: name an image, e.g. clan pull postgres:15");
	else if (rc == 0)
		rc = pull_run(&a, (int)ops.n, ops.v, ctx, err);
	strv_free(&refs);
	free(a.os);
	free(a.arch);
	return rc;
}
