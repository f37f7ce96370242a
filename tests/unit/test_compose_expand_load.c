/* Unit tests for a compose project's include and extends as stack_load
 * reads them: each file interpolated before its includes and extends (an
 * include's env_file only for what it brings in, the shell winning), the
 * services brought in converted like the project's own, their paths from
 * their own directories. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "config/stack.h"
#include "tap.h"

static char root[64];

static const char *shell_lookup(const char *name)
{
	return strcmp(name, "FROM_SHELL") == 0 ? "shell" : NULL;
}

static void put(const char *rel, const char *text)
{
	struct clan_err err;
	_cleanup_free_ char *p = xasprintf("%s/%s", root, rel);
	char *slash = strrchr(p, '/');
	*slash = '\0';
	mkdir_p(p, 0755, &err);
	*slash = '/';
	if (write_file(p, text, strlen(text), &err) < 0)
		abort();
}

static int load(struct stack *st, struct clan_err *err)
{
	struct stack_load_opts o = {.dir = root, .lookup = shell_lookup};
	memset(st, 0, sizeof *st);
	return stack_load(&o, st, err);
}

static const char *env_of(const struct service *s, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; s && i < s->environment.n; i++)
		if (strncmp(s->environment.v[i], key, n) == 0 && s->environment.v[i][n] == '=')
			return s->environment.v[i] + n + 1;
	return NULL;
}

TEST(include_and_extends_reach_the_stack)
{
	snprintf(root, sizeof root, "/tmp/clan-test-cload.XXXXXX");
	if (!mkdtemp(root))
		abort();
	put("compose.yaml",
	    "include:\n  - path: db/compose.yaml\n    env_file: db.env\n"
	    "services:\n  web:\n    extends: {file: common.yaml, service: base}\n"
	    "    image: web:${TAG:-latest}\n    environment: {OWN: '$${LITERAL}'}\n");
	put("db.env", "DB_IMAGE=postgres:15\nFROM_SHELL=file\n");
	put("common.yaml", "services:\n  base:\n    image: base\n    environment:\n      - "
			   "FROM_BASE=1\n    volumes: [\"./src:/src\"]\n");
	put("db/compose.yaml", "services:\n  db:\n    image: ${DB_IMAGE}\n    environment:\n"
			       "      SEEN: ${FROM_SHELL}\n    volumes: [\"./init:/init:ro\"]\n");
	struct stack st;
	struct clan_err err = {0};
	int rc = load(&st, &err);
	if (rc < 0)
		printf("#   %s\n", err.msg);
	CHECK(rc == 0);
	const struct service *db = rc == 0 ? stack_find(&st, "db") : NULL;
	const struct service *web = rc == 0 ? stack_find(&st, "web") : NULL;
	CHECK(db && web);
	/* the include's env file for what it brings in, the shell first */
	CHECK(db && strcmp(db->image, "postgres:15") == 0);
	CHECK_STR(env_of(db, "SEEN"), "shell");
	_cleanup_free_ char *init = xasprintf("%s/db/init", root);
	CHECK(db && db->nmounts == 1 && strcmp(db->mounts[0].src, init) == 0 && db->mounts[0].ro);
	/* extends merged under web's own keys */
	CHECK(web && strcmp(web->image, "web:latest") == 0);
	CHECK_STR(env_of(web, "FROM_BASE"), "1");
	CHECK_STR(env_of(web, "OWN"), "${LITERAL}");
	_cleanup_free_ char *src = xasprintf("%s/src", root);
	CHECK(web && web->nmounts == 1 && strcmp(web->mounts[0].src, src) == 0);
	if (rc == 0)
		stack_free(&st);
	/* the include's env file is not the project's */
	put("compose.yaml", "include:\n  - path: db/compose.yaml\n    env_file: db.env\n"
			    "services:\n  web:\n    image: ${DB_IMAGE:-none}\n");
	rc = load(&st, &err);
	CHECK(rc == 0);
	web = rc == 0 ? stack_find(&st, "web") : NULL;
	CHECK(web && strcmp(web->image, "none") == 0);
	if (rc == 0)
		stack_free(&st);
	/* errors name where the include is written */
	put("compose.yaml", "services:\n  web:\n    image: w\ninclude:\n  - nope.yaml\n");
	CHECK(load(&st, &err) < 0 && err.code == CLAN_EXIT_USAGE);
	_cleanup_free_ char *where = xasprintf("%s/compose.yaml:5:5: include: ", root);
	CHECK(strstr(err.msg, where) && strstr(err.msg, "cannot open") && strstr(err.msg, "nope"));
	put("compose.yaml", "services:\n  web:\n    extends: web\n");
	CHECK(load(&st, &err) < 0 && strstr(err.msg, "extends cycle: web ("));
	_cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("# cannot remove %s\n", root);
}
