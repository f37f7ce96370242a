/* clan pull [-q] [--platform OS/ARCH] REF...: images from registries into
 * the store, with one progress bar per layer on a terminal. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "image/imgstore.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "registry/registry.h"

static const char usage_text[] =
    "usage: clan pull [-q] [--platform OS/ARCH] REF...\n"
    "  -q, --quiet          print only the pulled references\n"
    "      --platform P     pull for another platform, e.g. linux/arm64\n"
    "  -h, --help           this text\n";

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

int cmd_pull(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	enum { OPT_QUIET = 1, OPT_PLATFORM, OPT_HELP };
	static const struct opt_def defs[] = {{"quiet", 'q', false, OPT_QUIET},
					      {"platform", 0, true, OPT_PLATFORM},
					      {"help", 'h', false, OPT_HELP},
					      {0}};
	struct opt_parser p;
	struct pull_args a = {0};
	const char *v;
	int id, rc = 0;

	opts_init(&p, argc, argv);
	while (rc == 0 && (id = opts_next(&p, defs, &v, err)) > 0) {
		if (id == OPT_HELP) {
			fputs(usage_text, stdout);
			goto out;
		}
		if (id == OPT_QUIET)
			a.quiet = true;
		else if (id == OPT_PLATFORM && !a.os)
			rc = parse_platform(v, &a, err);
	}
	if (rc == 0 && id < 0)
		rc = -1;
	else if (rc == 0 && p.i >= argc)
		rc = clan_error_code(err, CLAN_EXIT_USAGE,
				     "pull: name an image, e.g. clan pull postgres:15");
	else if (rc == 0)
		rc = pull_run(&a, argc - p.i, argv + p.i, ctx, err);
out:
	free(a.os);
	free(a.arch);
	return rc;
}
