/* libFuzzer target: a whole stack_load. The input is written as the
 * .clanrc of a project in a temp dir (with a .env, an env file, a source
 * dir and two profiles beside it); it loads, or fails with exit 2 and
 * "FILE:LINE: ..." from one of the project's files. A loaded stack holds
 * services with unique names and an image, in dependency order, and
 * prints. clanrc_parse alone sees the input too: its values are trimmed
 * and non-empty, a cut inline comment starts with '#' or ';'. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/clanrc.h"
#include "config/stack.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *project;
static char *profiles;

static const char *lookup(const char *name)
{
	if (strcmp(name, "HOME") == 0)
		return project;
	return name[0] == 'S' ? "shell-value" : NULL;
}

static void put(const char *dir, const char *name, const char *text)
{
	struct clan_err err;
	char *path = xasprintf("%s/%s", dir, name);
	if (write_file(path, text, strlen(text), &err) < 0)
		abort();
	free(path);
}

static char root[] = "/tmp/clan-fuzz-clanrc.XXXXXX";

static void remove_root(void)
{
	struct clan_err err;
	remove_tree(root, &err);
}

static void setup(void)
{
	struct clan_err err;
	if (!mkdtemp(root))
		abort();
	atexit(remove_root);
	project = xasprintf("%s/proj", root);
	profiles = xasprintf("%s/profiles", root);
	char *src = xasprintf("%s/src", project);
	if (mkdir_p(src, 0755, &err) < 0 || mkdir_p(profiles, 0755, &err) < 0)
		abort();
	free(src);
	put(project, ".env", "DB=app\nPW='x y'\nPORT=5432\n");
	put(project, "vars.env", "A=1\nB=${DB}\n");
	put(profiles, "pg.yaml",
	    "image: postgres:15\nuser: postgres\nports: [5432]\nvolumes: [/data]\n"
	    "environment: {PGDATA: /data}\nhealthcheck: {test: pg_isready, interval: 1s}\n"
	    "deb: {packages: [postgresql-15], script: exec postgres, user: postgres}\n");
	put(profiles, "web.yaml", "image: deb:bookworm\ncommand: python3 app.py\nports: [8000]\n");
}

static void check(const struct stack *st)
{
	if (st->nsvcs == 0 || !st->name || !*st->name)
		abort();
	for (size_t i = 0; i < st->nsvcs; i++) {
		const struct service *s = &st->svcs[i];
		if (!s->image || !*s->image || stack_find(st, s->name) != s)
			abort();
		for (size_t j = 0; j < s->depends_on.n; j++) {
			const struct service *d = stack_find(st, s->depends_on.v[j]);
			if (!d || d >= s)
				abort(); /* a dependency comes first */
		}
		for (size_t j = 0; j < s->nports; j++)
			if (s->ports[j].container_port == 0 || s->ports[j].count == 0)
				abort();
		for (size_t j = 0; j < s->nmounts; j++)
			if (s->mounts[j].dst[0] != '/' || !s->mounts[j].volume == !s->mounts[j].src)
				abort();
		for (size_t j = 0; j < s->environment.n; j++)
			if (!strchr(s->environment.v[j], '=') || s->environment.v[j][0] == '=')
				abort();
	}
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		abort();
	stack_print(st, out);
	fclose(out);
	if (len == 0 || strncmp(buf, "name: ", 6) != 0)
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!project)
		setup();
	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	struct clan_err err;

	struct clanrc rc;
	if (clanrc_parse(text, "fuzz.rc", &rc, &err) == 0) {
		/* values are trimmed; a cut comment starts with its mark */
		for (size_t i = 0; i < rc.n; i++)
			for (size_t j = 0; j < rc.s[i].n; j++) {
				const struct rc_entry *e = &rc.s[i].e[j];
				size_t n = strlen(e->value);
				if (!n || isspace((unsigned char)e->value[0]) ||
				    isspace((unsigned char)e->value[n - 1]) ||
				    (e->comment && !strchr("#;", e->comment[0])))
					abort();
			}
		clanrc_free(&rc);
	} else if (err.code != CLAN_EXIT_USAGE || strncmp(err.msg, "fuzz.rc:", 8) != 0)
		abort();

	/* env_file reads what it names: keep it to files of the project dir
	 * (no '/' in the input, none from interpolation) */
	if (strstr(text, "env_file") && strchr(text, '/'))
		return 0;
	put(project, ".clanrc", text);
	const char *dirs[] = {profiles, NULL};
	struct stack_load_opts o = {.dir = project, .lookup = lookup, .profile_dirs = dirs};
	struct stack st;
	if (stack_load(&o, &st, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE && err.code != CLAN_EXIT_FAIL)
			abort();
		/* a failed load names a file of the project, or the profile's */
		if (strncmp(err.msg, project, strlen(project)) != 0 &&
		    strncmp(err.msg, profiles, strlen(profiles)) != 0 &&
		    strncmp(err.msg, "bad project name", 16) != 0)
			abort();
		return 0;
	}
	check(&st);
	stack_free(&st);
	return 0;
}
