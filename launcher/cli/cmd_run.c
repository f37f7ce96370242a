/* clan run: one container in the foreground. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/bind_source.h"
#include "cli/commands.h"
#include "container/container.h"
#include "container/devices.h"
#include "cli/run_args.h"
#include "ns/seccomp_profile.h"

static const char *host_getenv(const char *k)
{
	return getenv(k);
}

/* --env-file entries go below -e ones, whatever the order on the line. */
static int load_env_files(struct run_args *a, struct clan_err *err)
{
	struct strv from_files = {0};
	for (size_t i = 0; i < a->env_files.n; i++) {
		_cleanup_free_ char *text = NULL;
		if (read_file(a->env_files.v[i], 1 << 20, &text, err) < 0) {
			strv_free(&from_files);
			err->code = CLAN_EXIT_USAGE;
			return clan_error_wrap(err, "run: --env-file");
		}
		if (parse_env_file_text(text, a->env_files.v[i], host_getenv, &from_files, err) <
		    0) {
			strv_free(&from_files);
			return -1;
		}
	}
	env_merge(&from_files, &a->spec.env);
	strv_free(&a->spec.env);
	a->spec.env = from_files;
	return 0;
}

/* Volume sources must exist on the host (a typo should not become an
 * empty directory); relative ones are taken from the current directory.
 * Each is pinned before the clone: the container mounts what they named
 * then. */
static int resolve_bind_sources(struct container_spec *s, struct clan_err *err)
{
	for (size_t i = 0; i < s->nbinds; i++) {
		_cleanup_free_ char *what = xasprintf("run: volume source %s", s->binds[i].src);
		if (bind_source_pin(&s->binds[i], what, err) < 0)
			return -1;
	}
	return 0;
}

/* A bad profile is refused before an image is pulled or built. */
static int check_seccomp_file(const struct container_spec *s, struct clan_err *err)
{
	if (!s->seccomp || strcmp(s->seccomp, "unconfined") == 0)
		return 0;
	struct seccomp_profile p;
	if (seccomp_profile_load(s->seccomp, &p, err) < 0)
		return -1;
	seccomp_profile_free(&p);
	return 0;
}

static int overlay_from_env(struct container_spec *s, struct clan_err *err)
{
	const char *v = getenv("CLAN_OVERLAY");
	static const char *const names[] = {"auto", "kernel", "fuse", "copy"};
	if (!v || !*v)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(v, names[i]) == 0) {
			s->overlay = (enum overlay_kind)i;
			return 0;
		}
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "CLAN_OVERLAY=%s: expected kernel, fuse or copy", v);
}

int cmd_run(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	(void)ctx; /* --debug is in the environment (base/debug.h) */
	struct run_args a;
	int rc = run_args_parse(argc, argv, &a, err);
	if (rc == 0 && a.help) {
		run_args_free(&a);
		return 0;
	}
	if (rc == 0)
		rc = load_env_files(&a, err);
	if (rc == 0)
		rc = resolve_bind_sources(&a.spec, err);
	if (rc == 0 && devices_apply(&a.spec, err) < 0)
		rc = clan_error_wrap(err, "run");
	if (rc == 0)
		rc = check_seccomp_file(&a.spec, err);
	if (rc == 0)
		rc = overlay_from_env(&a.spec, err);
	a.spec.exits_after = true;
	if (rc == 0)
		rc = container_run(&a.spec, err);
	run_args_free(&a);
	return rc;
}
