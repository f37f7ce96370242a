/* libFuzzer target: the compose loader end to end (YAML tree,
 * interpolation, merge, key table, the conversion of each service and the
 * checks across services) through stack_load, the one way in. The loader
 * reads files, so each input is written to compose.yaml in a private dir
 * on tmpfs (/dev/shm), made once per process. Whatever the bytes: a
 * stack whose every service has a name and an image, or an exit-2 error
 * with a message; nothing leaks (ASan). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The "shell": enough for ${VAR} and KEY alone to take a value, and a HOME
 * that does not exist (~ binds are only recorded, never created). */
static const char *lookup(const char *name)
{
	if (strcmp(name, "HOME") == 0)
		return "/nonexistent-home";
	if (strcmp(name, "A") == 0)
		return "a";
	if (strcmp(name, "PORT") == 0)
		return "8080";
	return NULL;
}

static char dir[64];

static void remove_dir(void)
{
	struct clan_err err;
	remove_tree(dir, &err);
}

static const char *fuzz_dir(void)
{
	if (dir[0])
		return dir;
	/* env_file: /dev/stdin must not wait for the fuzzer's terminal */
	if (!freopen("/dev/null", "r", stdin))
		abort();
	snprintf(dir, sizeof dir, "/dev/shm/clan-fuzz-compose.XXXXXX");
	if (!mkdtemp(dir))
		snprintf(dir, sizeof dir, "/tmp/clan-fuzz-compose.%d", (int)getpid());
	atexit(remove_dir);
	return dir;
}

static void check(const struct stack *st)
{
	if (!st->name || !*st->name || st->nsvcs == 0)
		abort();
	for (size_t i = 0; i < st->nsvcs; i++) {
		const struct service *s = &st->svcs[i];
		if (!s->name || !s->image)
			abort();
		for (size_t j = 0; j < s->nmounts; j++)
			if (!s->mounts[j].dst || s->mounts[j].dst[0] != '/')
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct clan_err err = {0};
	_cleanup_free_ char *path = xasprintf("%s/compose.yaml", fuzz_dir());
	if (write_file(path, (const char *)data, size, &err) < 0)
		abort();
	struct project_args args = {0};
	strv_push(&args.files, path);
	const char *no_dirs[] = {NULL};
	/* the first byte picks the load: the stack, the files merged as
	 * written (config --no-normalize) or not interpolated either */
	int mode = size ? data[0] % 3 : 0;
	struct stack_load_opts o = {.args = &args,
				    .dir = dir,
				    .lookup = lookup,
				    .profile_dirs = no_dirs,
				    .raw = mode > 0,
				    .no_interpolate = mode == 2};
	struct stack st;
	if (stack_load(&o, &st, &err) == 0) {
		if (!o.no_interpolate) /* which builds no services */
			check(&st);
		/* the printed forms: every value JSON can hold */
		if (o.raw && !st.compose_raw)
			abort();
		json_t *printed = o.raw ? json_incref(st.compose_raw) : stack_config_json(&st);
		free(json_dumps(printed, 0));
		json_decref(printed);
		stack_free(&st);
	} else if (err.code != 2 || !err.msg[0]) {
		fprintf(stderr, "code %d: %s\n", err.code, err.msg);
		abort();
	}
	project_args_free(&args);
	return 0;
}
