/* clan export kube|compose [-o FILE] [--registry HOST/PATH] [SERVICE...]:
 * the resolved stack (what clan config prints) as Kubernetes objects or
 * as a compose file for Docker and Podman, on stdout or in FILE. What has
 * no form there is a warning line on stderr; the conversion is done and
 * checked before FILE is touched. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/paths.h"
#include "base/progress.h"
#include "cli/cmd_tables.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "cli/svc_args.h"
#include "config/export.h"
#include "config/profile.h"
#include "supervisor/secrets.h"

enum { OPT_OUTPUT = 1, OPT_REGISTRY };

static const struct opt_def export_opts_def[] = {
    {"output", 'o', "FILE", "write to FILE (mode 0600: it holds the .env's values), not stdout",
     OPT_OUTPUT},
    {"registry", 0, "HOST/PATH",
     "kube: tag the images built from a Dockerfile under HOST/PATH, for a\n"
     "cluster to pull them (say how to push them on stderr)",
     OPT_REGISTRY},
    {0},
};

const struct opt_cmd export_cmd = {
    .name = "export",
    .operands = "kube [SERVICE...] | compose [SERVICE...]",
    .about = "Writes the stack here, as clan config resolves it, for another runtime:\n"
	     "  kube     a Pod, a Service (its ports), a ConfigMap and a Secret (its\n"
	     "           environment) per service, a PersistentVolumeClaim per named\n"
	     "           volume: podman kube play FILE, or kubectl apply -f FILE\n"
	     "  compose  one compose file with profiles and .clanrc shorthand written out:\n"
	     "           docker compose -f FILE up, or podman-compose -f FILE up\n"
	     "SERVICE...: those and what they depend on. What has no form in the target is\n"
	     "one warning line each on stderr; deb:, dir: and host images have none.\n",
    .opts = export_opts_def,
};

struct export_args {
	char *output, *registry;
};

static int set_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct export_args *a = arg;
	char **slot = id == OPT_OUTPUT ? &a->output : &a->registry;
	if (!*v)
		return clan_error_code(err, CLAN_EXIT_USAGE, "export: --%s needs a value",
				       id == OPT_OUTPUT ? "output" : "registry");
	/* it becomes part of an image reference and of a shell line */
	if (id == OPT_REGISTRY && (strpbrk(v, " \t\n@'\"$`\\;&|<>") || v[0] == '/'))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "export: --registry %s: expected HOST[:PORT][/PATH]", v);
	free(*slot);
	*slot = xstrdup(v);
	return 0;
}

static const char *env_lookup(void *arg, const char *name)
{
	(void)arg;
	return getenv(name);
}

/* The container ports each service's profile says it listens on: what a
 * Service and a dependent's wait need when the service publishes none. */
static void profile_ports(const struct stack *st, struct profile *profs,
			  struct export_listen *listen)
{
	struct strv dirs = {0};
	profile_default_dirs(st->dir, env_lookup, NULL, &dirs);
	for (size_t i = 0; i < st->nsvcs; i++) {
		struct clan_err perr;
		if (!st->svcs[i].profile || profile_load((const char *const *)dirs.v,
							 st->svcs[i].profile, &profs[i], &perr) < 0)
			continue; /* the load found it; a profile gone since adds no port */
		listen[i] = (struct export_listen){profs[i].ports, profs[i].nports};
	}
	strv_free(&dirs);
}

/* FILE replaced in one rename, 0600 from the start: a reader never sees
 * half a file, nor the Secret's values under another mode. */
static int write_out(const struct export_out *out, const char *path, struct clan_err *err)
{
	if (!path)
		return export_write(out, stdout) < 0
			   ? clan_error(err, 0, "export: cannot write the output")
			   : 0;
	_cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return clan_error(err, errno, "export: cannot create %s", tmp);
	FILE *f = fdopen(fd, "w");
	if (!f) {
		int e = errno;
		close(fd);
		unlink(tmp);
		return clan_error(err, e, "export: cannot write %s", path);
	}
	int r = export_write(out, f);
	if (fclose(f) != 0 || r < 0) {
		unlink(tmp);
		return clan_error(err, errno, "export: cannot write %s", path);
	}
	if (rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return clan_error(err, e, "export: cannot write %s", path);
	}
	return 0;
}

static int run(const struct stack *st, const struct strv *ops, const struct export_args *a,
	       struct clan_err *err)
{
	bool kube = strcmp(ops->v[0], "kube") == 0;
	struct strv names = {0};
	for (size_t i = 1; i < ops->n; i++)
		strv_push(&names, ops->v[i]);
	int r = svc_args_check(st, "export", &names, err);
	_cleanup_free_ bool *want = r < 0 ? NULL : svc_args_closure(st, &names, true);
	strv_free(&names);
	if (r < 0)
		return -1;
	struct profile *profs = xcalloc(st->nsvcs + 1, sizeof *profs);
	struct export_listen *listen = xcalloc(st->nsvcs + 1, sizeof *listen);
	profile_ports(st, profs, listen);
	struct export_opts o = {.want = want, .registry = a->registry, .listen = listen};
	struct export_out out;
	r = kube ? export_kube(st, &o, &out, err) : export_compose(st, &o, &out, err);
	if (r == 0) {
		for (size_t i = 0; i < out.warnings.n; i++)
			progress_warn("%s", out.warnings.v[i]);
		for (size_t i = 0; i < out.notes.n; i++)
			progress_note("%s", out.notes.v[i]);
		r = write_out(&out, a->output, err);
	}
	export_out_free(&out);
	for (size_t i = 0; i < st->nsvcs; i++)
		profile_free(&profs[i]);
	free(profs);
	free(listen);
	return r;
}

int cmd_export(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct export_args a = {0};
	int r = opts_parse(&export_cmd, argc, argv, set_opt, &a, &ops, err);
	if (r == 0 &&
	    (ops.n == 0 || (strcmp(ops.v[0], "kube") != 0 && strcmp(ops.v[0], "compose") != 0)))
		r = clan_error_code(err, CLAN_EXIT_USAGE,
				    "export: expected kube or compose%s%s (see clan export --help)",
				    ops.n ? ", not " : "", ops.n ? ops.v[0] : "");
	if (r == 0 && a.registry && strcmp(ops.v[0], "kube") != 0)
		r = clan_error_code(err, CLAN_EXIT_USAGE,
				    "export: --registry is for kube (a compose file builds its "
				    "images itself)");
	if (r != 0) {
		free(a.output);
		free(a.registry);
		return r == OPTS_HELP ? 0 : -1;
	}
	/* the generated secrets too, as clan config shows them: the other
	 * runtime must get the values clan's containers got */
	_cleanup_free_ char *storage = paths_storage_dir();
	struct stack_load_opts o = {
	    .args = &ctx->project, .secret = secret_for_stack, .secret_arg = storage};
	struct stack st;
	r = stack_load(&o, &st, err);
	if (r == 0) {
		for (size_t i = 0; i < st.warnings.n; i++)
			progress_warn("%s", st.warnings.v[i]);
		r = run(&st, &ops, &a, err);
		stack_free(&st);
	}
	free(a.output);
	free(a.registry);
	return r;
}
