/* clan build [-t TAG]... [-f FILE] [--build-arg K=V]... [--target STAGE]
 * [--no-cache] [--pull] [--progress auto|plain|quiet] [-q] PATH: an image
 * from a Dockerfile, as docker build. In a project, with no operand or
 * service names: compose's build of the services that have one. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "build/build.h"
#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "cli/svc_args.h"
#include "cli/svc_image_build.h"
#include "supervisor/stack_cli.h"

enum {
	OPT_TAG = 1,
	OPT_FILE,
	OPT_BUILD_ARG,
	OPT_TARGET,
	OPT_NO_CACHE,
	OPT_PULL,
	OPT_PROGRESS,
	OPT_QUIET,
};

static const struct opt_def build_opts[] = {
    {"tag", 't', "NAME[:TAG]", "tag the image (more than one -t: more tags)", OPT_TAG},
    {"file", 'f', "FILE", "the Dockerfile (default: PATH/Dockerfile)", OPT_FILE},
    {"build-arg", 0, "K=V", "a value for ARG K (K alone: from the environment)", OPT_BUILD_ARG},
    {"target", 0, "STAGE", "build that stage (and what it needs) only", OPT_TARGET},
    {"no-cache", 0, NULL, "run every step again", OPT_NO_CACHE},
    {"pull", 0, NULL, "pull the base images even when they are in the store", OPT_PULL},
    {"progress", 0, "MODE", "auto, plain (every line of output) or quiet", OPT_PROGRESS},
    {"quiet", 'q', NULL, "print only the image id", OPT_QUIET},
    {0},
};

const struct opt_cmd build_cmd = {
    .name = "build",
    .operands = "PATH | [SERVICE...]",
    .about = "Builds an image from the Dockerfile in PATH (the build context), as docker\n"
	     "build: each step is cached by what it depends on (its instruction, the\n"
	     "ARG and ENV values, the content of the files it copies), so a rebuild runs\n"
	     "only the steps whose input changed. RUN steps run in a clan container.\n"
	     "In a project dir, without operands or with service names: the images of\n"
	     "its services that have build: (compose build).\n",
    .opts = build_opts,
};

static int build_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct build_opts *o = arg;
	switch (id) {
	case OPT_TAG:
		strv_push(&o->tags, v);
		break;
	case OPT_FILE:
		o->dockerfile = v;
		break;
	case OPT_BUILD_ARG:
		strv_push(&o->build_args, v);
		break;
	case OPT_TARGET:
		o->target = v;
		break;
	case OPT_NO_CACHE:
		o->no_cache = true;
		break;
	case OPT_PULL:
		o->pull = true;
		break;
	case OPT_QUIET:
		o->progress = BUILD_PROGRESS_QUIET;
		break;
	case OPT_PROGRESS:
		if (strcmp(v, "auto") == 0 || strcmp(v, "tty") == 0)
			o->progress = BUILD_PROGRESS_AUTO;
		else if (strcmp(v, "plain") == 0)
			o->progress = BUILD_PROGRESS_PLAIN;
		else if (strcmp(v, "quiet") == 0)
			o->progress = BUILD_PROGRESS_QUIET;
		else
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "build: --progress is auto, plain or quiet, not '%s'", v);
		break;
	}
	return 0;
}

/* In a project, with no operand or service names: compose's build, of
 * every service (or those named) that has build:. 1 when it was one. */
static int project_build(struct clan_ctx *ctx, const struct strv *ops, struct build_opts *o,
			 struct clan_err *err)
{
	for (size_t i = 0; i < ops->n; i++)
		if (strchr(ops->v[i], '/') || strcmp(ops->v[i], ".") == 0)
			return 0; /* a path: docker's build */
	if (!stack_here(&ctx->project))
		return 0;
	struct stack_ctx c;
	int here = stack_ctx_open_here(&c, &ctx->project, err);
	if (here <= 0)
		return here;
	int rc = 0;
	if (ops->n && !svc_args_all_services(&c.st, ops)) {
		stack_ctx_free(&c);
		return 0; /* not service names: a context dir */
	}
	if (o->tags.n)
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "build: -t is for a context dir; a service's image is its "
				     "image: (or PROJECT-SERVICE)");
	size_t built = 0;
	for (size_t i = 0; rc == 0 && i < c.st.nsvcs; i++) {
		struct service *s = &c.st.svcs[i];
		bool named = ops->n == 0 || strv_contains(ops, s->name);
		if (!named)
			continue;
		if (!s->build) {
			if (ops->n)
				fprintf(stderr, "clan: build: skipping %s: it has no build\n",
					s->name);
			continue;
		}
		rc = svc_image_build(s, true, o, err);
		built += rc == 0;
	}
	if (rc == 0 && built == 0 && ops->n == 0)
		fprintf(stderr, "clan: build: no service of %s has a build\n", c.st.name);
	stack_ctx_free(&c);
	return rc < 0 ? -1 : 1;
}

int cmd_build(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct build_opts o = {.userns = USERNS_AUTO};
	int rc = opts_parse(&build_cmd, argc, argv, build_opt, &o, &ops, err);
	int project = rc == 0 ? project_build(ctx, &ops, &o, err) : 0;
	if (project != 0) {
		rc = project < 0 ? -1 : 0;
	} else if (rc == OPTS_HELP) {
		rc = 0;
	} else if (rc == 0 && ops.n != 1) {
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "build: give the build context, e.g. clan build -t app .");
	} else if (rc == 0) {
		o.context = ops.v[0];
		char id[72];
		rc = build_image(&o, id, err);
		if (rc == 0)
			printf("%s\n", id);
		if (rc < 0)
			clan_error_wrap(err, "build");
	}
	strv_free(&o.tags);
	strv_free(&o.build_args);
	return rc;
}
