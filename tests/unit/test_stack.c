/* Unit tests for stack_load and stack_print: a project dir with .clanrc,
 * .env, env files and profiles written to a temp dir per test; every
 * precedence rule and every validation error with its file:line. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/hc_timing.h"
#include "config/stack.h"
#include "tap.h"
#include "base/util.h"

/* The test's "shell environment". */
static const char *shell_vars[8][2];

static const char *shell_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(shell_vars) && shell_vars[i][0]; i++)
		if (strcmp(shell_vars[i][0], name) == 0)
			return shell_vars[i][1];
	return NULL;
}

static void set_shell(const char *name, const char *value)
{
	size_t i = 0;
	while (shell_vars[i][0] && strcmp(shell_vars[i][0], name) != 0)
		i++;
	shell_vars[i][0] = name;
	shell_vars[i][1] = value;
}

struct fx {
	char root[64];
	char *proj;
};

static const char pg_profile[] =
    "description: test pg\n"
    "image: postgres:15\n"
    "user: postgres\n"
    "environment: {PGDATA: /var/lib/postgresql/data, FROM_PROFILE: profile, SHARED: "
    "profile}\n"
    "ports: [5432]\n"
    "volumes: [/var/lib/postgresql/data]\n"
    "healthcheck: {test: pg_isready, interval: 1s, timeout: 5s, retries: 60}\n"
    "stop_signal: SIGINT\n"
    "command: [postgres]\n"
    "deb:\n"
    "  packages: [postgresql-15]\n"
    "  script: exec postgres\n"
    "  user: pgdeb\n"
    "  environment: {LANG: C.UTF-8}\n";

static void fx_write(struct fx *f, const char *rel, const char *text)
{
	struct clan_err err;
	char *path = xasprintf("%s/%s", f->proj, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdir_p(path, 0755, &err);
	*slash = '/';
	if (write_file(path, text, strlen(text), &err) < 0)
		printf("# cannot write %s: %s\n", path, err.msg);
	free(path);
}

/* A project dir "My Proj" with the test pg profile installed. */
static void fx_init(struct fx *f, const char *clanrc)
{
	struct clan_err err;
	snprintf(f->root, sizeof f->root, "/tmp/clan-test-stack.XXXXXX");
	if (!mkdtemp(f->root))
		abort();
	f->proj = xasprintf("%s/My Proj", f->root);
	mkdir_p(f->proj, 0755, &err);
	fx_write(f, "../installed/pg.yaml", pg_profile);
	fx_write(f, "../installed/cache.yaml", "image: redis:7\nports: [6379]\n");
	mkdir_p(f->proj, 0755, &err);
	if (clanrc)
		fx_write(f, ".clanrc", clanrc);
	memset(shell_vars, 0, sizeof shell_vars);
}

static int fx_load(struct fx *f, struct stack *st, struct clan_err *err)
{
	char *dirs[4] = {xasprintf("%s/profiles", f->proj), xasprintf("%s/user", f->root),
			 xasprintf("%s/installed", f->root), NULL};
	struct stack_load_opts o = {
	    .dir = f->proj, .lookup = shell_lookup, .profile_dirs = (const char *const *)dirs};
	err->msg[0] = '\0';
	err->code = 0;
	int r = stack_load(&o, st, err);
	for (int i = 0; i < 3; i++)
		free(dirs[i]);
	return r;
}

/* A stand-in for the secrets store: "gen-NAME", counting its calls. */
static int secret_calls;

static int fake_secret(void *arg, const char *dir, const char *name, char **value,
		       struct clan_err *err)
{
	(void)arg;
	(void)dir;
	(void)err;
	secret_calls++;
	*value = xasprintf("gen-%s", name);
	return 0;
}

static int fx_load_secrets(struct fx *f, struct stack *st, struct clan_err *err)
{
	char *dirs[2] = {xasprintf("%s/installed", f->root), NULL};
	struct stack_load_opts o = {.dir = f->proj,
				    .lookup = shell_lookup,
				    .profile_dirs = (const char *const *)dirs,
				    .secret = fake_secret};
	secret_calls = 0;
	int r = stack_load(&o, st, err);
	free(dirs[0]);
	return r;
}

static void fx_free(struct fx *f)
{
	struct clan_err err;
	remove_tree(f->root, &err);
	free(f->proj);
}

/* Loads clanrc in a fresh project and checks the error "FILE:" + tail,
 * FILE being the project's .clanrc. */
static int fails_with(const char *clanrc, const char *tail)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, clanrc);
	int ok = fx_load(&f, &st, &err) < 0 && err.code == CLAN_EXIT_USAGE;
	char *want = xasprintf("%s/.clanrc%s", f.proj, tail);
	/* @PROJ@ in tail: the project dir, for messages of several lines */
	for (char *p; (p = strstr(want, "@PROJ@"));) {
		char *next = xasprintf("%.*s%s%s", (int)(p - want), want, f.proj, p + 6);
		free(want);
		want = next;
	}
	if (!ok || strcmp(err.msg, want) != 0) {
		printf("#   got:  %s\n#   want: %s\n", ok ? err.msg : "(loaded)", want);
		ok = 0;
	}
	if (err.code == 0)
		stack_free(&st);
	free(want);
	fx_free(&f);
	return ok;
}

static const char *env_of(const struct service *s, const char *key)
{
	size_t n = strlen(key);
	for (size_t i = 0; i < s->environment.n; i++)
		if (strncmp(s->environment.v[i], key, n) == 0 && s->environment.v[i][n] == '=')
			return s->environment.v[i] + n + 1;
	return NULL;
}

TEST(minimal_service_defaults)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.app]\nimage = deb:bookworm\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	CHECK_STR(st.name, "my-proj"); /* the dir's name, compose's rule */
	CHECK(st.nsvcs == 1);
	const struct service *s = stack_find(&st, "app");
	CHECK(s != NULL && stack_find(&st, "nope") == NULL);
	CHECK_STR(s->image, "deb:bookworm");
	CHECK(!s->profile && !s->user && !s->working_dir);
	CHECK(s->entrypoint.n == 0 && s->command.n == 0 && s->environment.n == 0);
	CHECK(!s->has_health && s->restart == RESTART_NO);
	CHECK(s->stop_grace_ms == 10000 && s->stop_signal == SIGTERM);
	CHECK(s->loc.line == 1);
	char *rc = xasprintf("%s/.clanrc", f.proj);
	CHECK_STR(s->loc.file, rc);
	CHECK_STR(st.config_file, rc);
	free(rc);
	CHECK(st.warnings.n == 0 && st.volumes.n == 0);
	stack_free(&st);
	fx_free(&f);
}

TEST(project_name)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[project]\nname = shop_2\n[service.a]\nimage = x\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	CHECK_STR(st.name, "shop_2");
	stack_free(&st);
	fx_free(&f);
	CHECK(fails_with("[project]\nname = My Shop\n[service.a]\nimage = x\n",
			 ":2: bad project name 'My Shop': lowercase letters, digits, _ and -, "
			 "starting with a letter or digit (e.g. my-shop)"));
	CHECK(fails_with("[project]\nname = ${NAME:-Big}\n[service.a]\nimage = x\n",
			 ":2: bad project name 'Big': lowercase letters, digits, _ and -, starting "
			 "with a letter or digit (e.g. big)"));
}

TEST(interpolation_shell_beats_dotenv)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\n"
		    "image = ${IMAGE}\n"
		    "environment = BOTH=${BOTH}\n"
		    "environment = ONLY_ENV=${ONLY_ENV}\n"
		    "environment = ONLY_SHELL=$ONLY_SHELL\n"
		    "environment = DEFAULTED=${NOWHERE:-fallback}\n"
		    "environment = MISSING=${MISSING}\n"
		    "environment = DOLLAR=$$HOME\n");
	fx_write(&f, ".env", "IMAGE=redis:7\nBOTH=from-dotenv\nONLY_ENV=dotenv\n");
	set_shell("BOTH", "from-shell");
	set_shell("ONLY_SHELL", "shell");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *s = &st.svcs[0];
	CHECK_STR(s->image, "redis:7");
	CHECK_STR(env_of(s, "BOTH"), "from-shell");
	CHECK_STR(env_of(s, "ONLY_ENV"), "dotenv");
	CHECK_STR(env_of(s, "ONLY_SHELL"), "shell");
	CHECK_STR(env_of(s, "DEFAULTED"), "fallback");
	CHECK_STR(env_of(s, "MISSING"), "");
	CHECK_STR(env_of(s, "DOLLAR"), "$HOME");
	/* .env feeds interpolation, not the container (compose) */
	CHECK(env_of(s, "IMAGE") == NULL);
	CHECK(st.warnings.n == 1);
	char *w = xasprintf("%s/.clanrc:7: the \"MISSING\" variable is not set, defaulting to a "
			    "blank string",
			    f.proj);
	CHECK_STR(st.warnings.v[0], w);
	free(w);
	stack_free(&st);
	fx_free(&f);
}

TEST(dotenv_interpolates_with_the_shell_first)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\nenvironment = URL=${URL}\n");
	fx_write(&f, ".env", "HOST=dotenv-host\nURL=http://${HOST}:${PORT:-80}/\n");
	set_shell("HOST", "shell-host");
	CHECK(fx_load(&f, &st, &err) == 0);
	CHECK_STR(env_of(&st.svcs[0], "URL"), "http://shell-host:80/");
	stack_free(&st);
	fx_free(&f);
}

TEST(required_variable)
{
	CHECK(fails_with("[service.a]\nimage = x\nenvironment = P=${PW:?set PW in .env}\n",
			 ":3: PW: set PW in .env"));
	CHECK(fails_with("[service.a]\nimage = ${IMG:?}\n",
			 ":2: IMG: is not set (set it in the shell or in .env)"));
	CHECK(fails_with("[service.a]\nimage = ${IMG}\n",
			 ":2: image is empty after interpolation of '${IMG}'"));
	CHECK(fails_with("[service.a]\nimage = ${IMG\n",
			 ":2: bad interpolation '${IMG': missing '}'"));
}

TEST(dotenv_errors_name_the_dotenv)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\n");
	fx_write(&f, ".env", "A=1\nB='open\n");
	CHECK(fx_load(&f, &st, &err) < 0);
	char *want = xasprintf("%s/.env:2: the single-quoted value has no closing '", f.proj);
	CHECK_STR(err.msg, want);
	free(want);
	fx_free(&f);
}

TEST(environment_precedence)
{
	/* profile < env_file (in order) < environment */
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.db]\n"
		    "profile = pg\n"
		    "env_file = one.env\n"
		    "env_file = sub/two.env\n"
		    "environment = SHARED=environment\n"
		    "environment = FROM_SHELL\n"
		    "environment = FROM_DOTENV\n"
		    "environment = NOT_SET_ANYWHERE\n");
	fx_write(&f, "one.env", "SHARED=one\nONE=1\nTWO=from-one\nREF=${FROM_DOTENV}\n");
	fx_write(&f, "sub/two.env", "TWO=from-two\n");
	fx_write(&f, ".env", "FROM_DOTENV=dotenv\n");
	set_shell("FROM_SHELL", "shell");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *s = &st.svcs[0];
	CHECK_STR(env_of(s, "PGDATA"), "/var/lib/postgresql/data");
	CHECK_STR(env_of(s, "FROM_PROFILE"), "profile");
	CHECK_STR(env_of(s, "SHARED"), "environment");
	CHECK_STR(env_of(s, "ONE"), "1");
	CHECK_STR(env_of(s, "TWO"), "from-two");
	CHECK_STR(env_of(s, "REF"), "dotenv");
	CHECK_STR(env_of(s, "FROM_SHELL"), "shell");
	CHECK_STR(env_of(s, "FROM_DOTENV"), "dotenv");
	CHECK(env_of(s, "NOT_SET_ANYWHERE") == NULL);
	/* the registry image: the deb: block's environment is not applied */
	CHECK(env_of(s, "LANG") == NULL);
	/* one entry per name, in the order first written */
	CHECK_STR(s->environment.v[0], "PGDATA=/var/lib/postgresql/data");
	CHECK(s->environment.n == 8);
	stack_free(&st);
	fx_free(&f);
}

/* A profile's secret: generated once per load, in its service's
 * environment and in ${...} of any service; the shell and .env win. */
TEST(profile_secrets)
{
	static const char rc[] = "[service.web]\n"
				 "image = web:1\n"
				 "environment = URL=redis://:${KV_PASSWORD}@kv:6379/0\n"
				 "[service.kv]\n"
				 "profile = kv\n";
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, rc);
	fx_write(&f, "../installed/kv.yaml", "image: redis:7\nsecrets: [KV_PASSWORD]\n");
	CHECK(fx_load_secrets(&f, &st, &err) == 0);
	CHECK(secret_calls == 1);
	const struct service *web = stack_find(&st, "web"), *kv = stack_find(&st, "kv");
	CHECK(web && kv);
	if (web && kv) {
		CHECK_STR(env_of(kv, "KV_PASSWORD"), "gen-KV_PASSWORD");
		CHECK_STR(env_of(web, "URL"), "redis://:gen-KV_PASSWORD@kv:6379/0");
		CHECK(env_of(web, "KV_PASSWORD") == NULL);
	}
	stack_free(&st);

	fx_write(&f, ".env", "KV_PASSWORD=mine\n");
	CHECK(fx_load_secrets(&f, &st, &err) == 0);
	CHECK(secret_calls == 0);
	kv = stack_find(&st, "kv");
	CHECK(kv && env_of(kv, "KV_PASSWORD") && strcmp(env_of(kv, "KV_PASSWORD"), "mine") == 0);
	stack_free(&st);

	/* no secrets store (a test, a tool): the name stays unset */
	char *dotenv = xasprintf("%s/.env", f.proj);
	unlink(dotenv);
	free(dotenv);
	CHECK(fx_load(&f, &st, &err) == 0);
	kv = stack_find(&st, "kv");
	CHECK(kv && env_of(kv, "KV_PASSWORD") == NULL);
	stack_free(&st);
	fx_free(&f);
}

TEST(profile_secret_names_are_identifiers)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.kv]\nprofile = kv\n");
	fx_write(&f, "../installed/kv.yaml", "image: redis:7\nsecrets: [../../x]\n");
	CHECK(fx_load_secrets(&f, &st, &err) < 0);
	CHECK(strstr(err.msg, "secrets: '../../x' is not an environment variable name") != NULL);
	CHECK(secret_calls == 0);
	fx_free(&f);
}

TEST(env_file_errors)
{
	CHECK(fails_with("[service.a]\nimage = x\nenv_file = missing.env\n",
			 ":3: env_file missing.env: No such file or directory"));
	CHECK(fails_with("[service.a]\nimage = x\nenvironment = A B=1\n",
			 ":3: bad environment 'A B=1': expected NAME=VALUE"));
	CHECK(fails_with("[service.a]\nimage = x\nenvironment = =1\n",
			 ":3: bad environment '=1': expected NAME=VALUE"));
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\nenv_file = vars.env\n");
	fx_write(&f, "vars.env", "OK=1\nbad line\n");
	CHECK(fx_load(&f, &st, &err) < 0);
	char *want = xasprintf("%s/vars.env:2: expected KEY=VALUE, got 'bad line' (a key is "
			       "letters, digits, _ . - [ ])",
			       f.proj);
	CHECK_STR(err.msg, want);
	free(want);
	fx_free(&f);
}

TEST(ports)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\n"
		    "port = 8000\n"
		    "port = 8080:80\n"
		    "port = 0.0.0.0:9000:90\n"
		    "port = 127.0.0.1::5432\n"
		    "port = 5353:53/udp\n"
		    "port = 7000-7001\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *s = &st.svcs[0];
	CHECK(s->nports == 6);
	/* a bare port is the same port on the host, on 127.0.0.1 */
	CHECK_STR(s->ports[0].host_ip, "127.0.0.1");
	CHECK(s->ports[0].host_port == 8000 && s->ports[0].container_port == 8000);
	CHECK(s->ports[1].host_port == 8080 && s->ports[1].container_port == 80);
	CHECK_STR(s->ports[2].host_ip, "0.0.0.0");
	CHECK(s->ports[3].host_port == 0 && s->ports[3].container_port == 5432);
	CHECK(s->ports[4].proto == PORT_UDP && s->ports[4].host_port == 5353);
	CHECK(s->ports[5].host_port == 7000 && s->ports[5].count == 2);
	stack_free(&st);
	fx_free(&f);
}

TEST(port_errors)
{
	CHECK(fails_with("[service.a]\nimage = x\nport = 80:http\n",
			 ":3: bad port '80:http': the container port is a number from 1 to 65535 "
			 "(e.g. port = 8000, port = 8080:80, port = 127.0.0.1:5432:5432, port = "
			 "5353:53/udp)"));
	CHECK(fails_with("[service.a]\nimage = x\nport = 8000\n[service.b]\nimage = y\nport = "
			 "8000:81\n",
			 ":6: host port 127.0.0.1:8000 is already published by a (line 3)"));
	CHECK(fails_with("[service.a]\nimage = x\nport = 8000\nport = 8000:81\n",
			 ":4: host port 127.0.0.1:8000 is already published by a (line 3)"));
	/* one network namespace for the stack: one container port per service */
	CHECK(fails_with("[service.a]\nimage = x\nport = 8000:80\n[service.b]\nimage = y\nport = "
			 "8001:80\n",
			 ":6: b and a both listen on port 80/tcp: services share one network (like "
			 "a pod); move one to another port (its command and port = HOST:OTHER)"));
	CHECK(
	    fails_with("[service.a]\nimage = x\nexpose = 3000\n[service.b]\nimage = y\nexpose = "
		       "2999-3001\n",
		       ":6: b and a both listen on port 3000/tcp: services share one network (like "
		       "a pod); move one to another port (its command and port = HOST:OTHER)"));
	/* the profile's ports count too, at the section's line */
	CHECK(fails_with("[service.db]\nprofile = pg\n[service.db2]\nprofile = pg\n",
			 ":3: db2 and db both listen on port 5432/tcp: services share one network "
			 "(like a pod); move one to another port (its command and port = "
			 "HOST:OTHER)"));
	CHECK(fails_with("[service.a]\nimage = x\nexpose = 1:2\n",
			 ":3: bad expose '1:2': a container port (8000, 8000-8010, 53/udp)"));
}

TEST(own_ports_replace_the_profiles)
{
	/* db2 says where it listens: the profile's 5432 no longer counts */
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.db]\nprofile = pg\n[service.db2]\nprofile = pg\nexpose = 5433\n"
		    "[service.udp]\nimage = x\nport = 5432:5432/udp\n"
		    "[service.web]\nimage = x\nport = 8080:80\nexpose = 9000-9001\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	/* what a starting service's check waits to see listened on */
	const struct service *db = stack_find(&st, "db"), *db2 = stack_find(&st, "db2");
	const struct service *udp = stack_find(&st, "udp"), *web = stack_find(&st, "web");
	CHECK(db->nlisten_tcp == 1 && db->listen_tcp[0] == 5432);
	CHECK(db2->nlisten_tcp == 1 && db2->listen_tcp[0] == 5433);
	CHECK(udp->nlisten_tcp == 0);
	CHECK(web->nlisten_tcp == 3 && web->listen_tcp[0] == 80 && web->listen_tcp[1] == 9000 &&
	      web->listen_tcp[2] == 9001);
	stack_free(&st);
	fx_free(&f);
}

TEST(compose_recognised_image_listens_on_the_profiles_ports)
{
	/* a check of an official image the profile recognises waits for the
	 * profile's port, besides the file's own */
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, NULL);
	fx_write(&f, "../installed/pgr.yaml",
		 "image: postgres:15\nimages: [\"postgres:*\"]\n"
		 "ports: [5432]\n");
	fx_write(&f, "compose.yaml",
		 "services:\n  db: {image: postgres:15, expose: [\"6000\"]}\n"
		 "  web: {image: x, ports: [\"8080:80\", \"53:53/udp\"]}\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *db = stack_find(&st, "db"), *web = stack_find(&st, "web");
	CHECK(db && db->nlisten_tcp == 2 && db->listen_tcp[0] == 5432 && db->listen_tcp[1] == 6000);
	CHECK(web && web->nlisten_tcp == 1 && web->listen_tcp[0] == 80);
	stack_free(&st);
	fx_free(&f);
}

TEST(mounts)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\n"
		    "volume = data:/var/data\n"
		    "volume = cache:/cache:ro\n"
		    "bind = .:/app\n"
		    "bind = ./src/../src:/src:ro\n"
		    "bind = ~/home-file:/h\n"
		    "[service.b]\nimage = y\nvolume = data:/data\n");
	fx_write(&f, "src/x", "");
	fx_write(&f, "../home-file", "");
	set_shell("HOME", f.root);
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *s = stack_find(&st, "a");
	CHECK(s->nmounts == 5);
	CHECK_STR(s->mounts[0].volume, "data");
	CHECK_STR(s->mounts[0].dst, "/var/data");
	CHECK(!s->mounts[0].ro && !s->mounts[0].src && s->mounts[0].loc.line == 3);
	CHECK(s->mounts[1].ro);
	CHECK(!s->mounts[2].volume);
	CHECK_STR(s->mounts[2].src, f.proj);
	char *src = xasprintf("%s/src", f.proj);
	CHECK_STR(s->mounts[3].src, src);
	CHECK(s->mounts[3].ro);
	free(src);
	char *home = xasprintf("%s/home-file", f.root);
	CHECK_STR(s->mounts[4].src, home);
	free(home);
	/* each named volume once */
	CHECK(st.volumes.n == 2);
	CHECK_STR(st.volumes.v[0], "data");
	CHECK_STR(st.volumes.v[1], "cache");
	stack_free(&st);
	fx_free(&f);
}

TEST(mount_errors)
{
	CHECK(fails_with("[service.a]\nimage = x\nbind = ./nope:/app\n",
			 ":3: bind source ./nope: No such file or directory (create it, or use "
			 "volume = NAME:/PATH for data clan keeps)"));
	CHECK(fails_with("[service.a]\nimage = x\nvolume = ./data:/data\n",
			 ":3: volume = takes a volume name; for the host path ./data use bind = "
			 "./data:/data"));
	CHECK(fails_with("[service.a]\nimage = x\nvolume = data\n",
			 ":3: bad volume 'data': expected NAME:/PATH[:ro] (e.g. volume = "
			 "pgdata:/var/lib/postgresql/data)"));
	CHECK(fails_with("[service.a]\nimage = x\nvolume = data:rel\n",
			 ":3: bad volume 'data:rel': the path inside must be absolute (e.g. volume "
			 "= pgdata:/var/lib/postgresql/data)"));
	CHECK(fails_with("[service.a]\nimage = x\nbind = .:/app:rx\n",
			 ":3: bad bind '.:/app:rx': unknown option 'rx' (ro or rw)"));
	CHECK(fails_with("[service.a]\nimage = x\nvolume = a:/d\nbind = .:/d/\n",
			 ":4: /d is mounted twice (first at line 3)"));
	CHECK(fails_with("[service.a]\nimage = x\nvolume = b@d:/d\n",
			 ":3: bad volume name 'b@d': letters, digits, _ . - starting with a letter "
			 "or digit"));
	CHECK(fails_with("[service.a]\nimage = x\nbind = .:/\n",
			 ":3: bad bind '.:/': cannot mount over / (e.g. bind = ./src:/app or bind "
			 "= /data:/data:ro)"));
}

TEST(profile_data_dirs_become_named_volumes)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.db]\nprofile = pg\n[service.db2]\nprofile = pg\nexpose = 5433\n"
		    "volume = mine:/var/lib/postgresql/data\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *db = stack_find(&st, "db"), *db2 = stack_find(&st, "db2");
	CHECK(db->nmounts == 1);
	CHECK_STR(db->mounts[0].volume, "db_data");
	CHECK_STR(db->mounts[0].dst, "/var/lib/postgresql/data");
	CHECK(db->mounts[0].loc.line == 0);
	/* mounted over by the service: no second volume */
	CHECK(db2->nmounts == 1);
	CHECK_STR(db2->mounts[0].volume, "mine");
	CHECK(st.volumes.n == 2);
	stack_free(&st);
	fx_free(&f);
}

TEST(dependency_order_is_stable)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.web]\nimage = x\ndepends_on = db\ndepends_on = cache\n"
		    "[service.worker]\nimage = x\ndepends_on = web\n"
		    "[service.cache]\nimage = x\n"
		    "[service.db]\nimage = x\n"
		    "[service.docs]\nimage = x\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	CHECK(st.nsvcs == 5);
	/* each round: the first in file order whose dependencies are placed */
	const char *want[] = {"cache", "db", "web", "worker", "docs"};
	for (size_t i = 0; i < 5 && i < st.nsvcs; i++)
		CHECK_STR(st.svcs[i].name, want[i]);
	CHECK(st.svcs[2].depends_on.n == 2);
	stack_free(&st);
	fx_free(&f);
}

/* Every service's error at once, one a line, then the count of the rest:
 * a user fixes them in one round. */
TEST(reports_every_error)
{
	CHECK(fails_with("[service.a]\nimage = x\nrestart = allways\n[service.b]\nimage = x\n"
			 "stop_signal = SIGTREM\n[service.c]\nimage = x\n",
			 ":3: bad restart policy 'allways' (did you mean always?)\n"
			 "@PROJ@/.clanrc:6: stop_signal: unknown signal 'SIGTREM' (did you mean "
			 "SIGTERM?)"));
	CHECK(fails_with("[service.a]\nimage = x\ndepends_on = nosuch\n[service.b]\nimage = x\n"
			 "depends_on = nothere\n",
			 ":3: depends_on: no service nosuch\n"
			 "@PROJ@/.clanrc:6: depends_on: no service nothere"));
	/* fifteen: the first ten, then how many more */
	char joined[2048] = "";
	for (int i = 0; i < 15; i++) {
		size_t n = strlen(joined);
		snprintf(joined + n, sizeof joined - n,
			 "[service.s%d]\nimage = x\ndepends_on = no%d\n", i, i);
	}
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, joined);
	CHECK(fx_load(&f, &st, &err) < 0 && err.code == CLAN_EXIT_USAGE);
	size_t lines = 1;
	for (const char *p = err.msg; *p; p++)
		lines += *p == '\n';
	if (lines != 11)
		printf("#   got: %s\n", err.msg);
	CHECK(lines == 11);
	CHECK(strstr(err.msg, "no service no0") != NULL);
	CHECK(strstr(err.msg, "no service no9") != NULL);
	CHECK(strstr(err.msg, "no service no10") == NULL);
	CHECK(strstr(err.msg, "\nand 5 more errors") != NULL);
	if (!strstr(err.msg, "\nand 5 more errors"))
		printf("#   got: %s\n", err.msg);
	fx_free(&f);
}

TEST(dependency_errors)
{
	CHECK(fails_with("[service.web]\nimage = x\ndepends_on = dbb\n[service.db]\nimage = x\n",
			 ":3: depends_on: no service dbb (did you mean db?)"));
	CHECK(fails_with("[service.web]\nimage = x\ndepends_on = queue\n",
			 ":3: depends_on: no service queue"));
	/* the service itself is no suggestion: db is the one that is wrong */
	CHECK(fails_with("[service.db]\nimage = x\ndepends_on = dbb\n[service.cache]\nimage = x\n",
			 ":3: depends_on: no service dbb"));
	CHECK(fails_with("[service.db]\nimage = x\ndepends_on = dbb\n[service.dba]\nimage = x\n",
			 ":3: depends_on: no service dbb (did you mean dba?)"));
	CHECK(fails_with("[service.web]\nimage = x\ndepends_on = db\n"
			 "[service.db]\nimage = x\ndepends_on = web\n",
			 ":6: dependency cycle: web -> db -> web"));
	CHECK(fails_with("[service.a]\nimage = x\ndepends_on = b\n"
			 "[service.b]\nimage = x\ndepends_on = c\n"
			 "[service.c]\nimage = x\ndepends_on = b\n",
			 ":9: dependency cycle: b -> c -> b"));
	CHECK(
	    fails_with("[service.a]\nimage = x\ndepends_on = a\n", ":3: dependency cycle: a -> a"));
	CHECK(fails_with("[service.a]\nimage = x\ndepends_on = b\ndepends_on = b\n[service.b]\n"
			 "image = x\n",
			 ":4: depends_on b is written twice"));
	CHECK(fails_with("[service.a]\nimage = x\nalias = b\n[service.b]\nimage = x\n",
			 ":1: alias b of a is the name of a service"));
	CHECK(fails_with("[service.a]\nimage = x\nalias = b c\n",
			 ":3: bad alias 'b c': a host name of letters, digits, - _ . "
			 "(no part starts or ends with -)"));
	/* an alias is a host name (RFC 1123): these were taken */
	CHECK(fails_with("[service.a]\nimage = x\nalias = b-\n",
			 ":3: bad alias 'b-': a host name of letters, digits, - _ . "
			 "(no part starts or ends with -)"));
	CHECK(fails_with("[service.a]\nimage = x\nalias = b..c\n",
			 ":3: bad alias 'b..c': a host name of letters, digits, - _ . "
			 "(no part starts or ends with -)"));
}

TEST(images_and_packages)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.db]\nprofile = pg\nimage = deb:bookworm+curl\n"
		    "packages = postgresql-contrib vim\npackages = curl\n"
		    "[service.reg]\nprofile = pg\nexpose = 1\n"
		    "[service.host]\nimage = host\n"
		    "[service.dir]\nimage = dir:/srv/rootfs\n"
		    "[service.plain]\nimage = deb:trixie\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *db = stack_find(&st, "db"), *reg = stack_find(&st, "reg");
	/* the image's, the profile's, the service's packages, each once */
	CHECK_STR(db->image, "deb:bookworm+curl,postgresql-15,postgresql-contrib,vim");
	/* deb: image: the profile's deb: block wins */
	CHECK_STR(db->user, "pgdeb");
	CHECK(db->entrypoint.n == 4);
	CHECK_STR(db->entrypoint.v[0], "/bin/sh");
	CHECK_STR(db->entrypoint.v[2], "exec postgres");
	CHECK_STR(db->entrypoint.v[3], "pg-entrypoint");
	CHECK_STR(env_of(db, "LANG"), "C.UTF-8");
	/* the profile's default image: its top level */
	CHECK_STR(reg->image, "postgres:15");
	CHECK_STR(reg->user, "postgres");
	CHECK(reg->entrypoint.n == 0);
	CHECK(reg->command.n == 1);
	CHECK_STR(reg->command.v[0], "postgres");
	CHECK_STR(stack_find(&st, "host")->image, "host");
	CHECK_STR(stack_find(&st, "dir")->image, "dir:/srv/rootfs");
	CHECK_STR(stack_find(&st, "plain")->image, "deb:trixie");
	stack_free(&st);
	fx_free(&f);
}

TEST(image_errors)
{
	CHECK(fails_with("[service.a]\ncommand = x\n",
			 ":1: service a has no image: set image = (e.g. image = deb:bookworm or "
			 "image = postgres:15) or a profile that has one"));
	CHECK(fails_with("[service.a]\nimage = postgres:15\npackages = vim\n",
			 ":3: packages = needs a deb: image (e.g. image = deb:bookworm), not "
			 "postgres:15"));
	CHECK(fails_with("[service.a]\nimage = deb:bookworm\npackages = Vim\n",
			 ":3: bad package name 'Vim' (Debian names: lowercase letters, digits, + - "
			 ".)"));
	/* two characters at least (Debian policy), as in deb:SUITE+pkg: "x"
	 * was taken here */
	CHECK(fails_with("[service.a]\nimage = deb:bookworm\npackages = x\n",
			 ":3: bad package name 'x' (Debian names: lowercase letters, digits, + - "
			 ".)"));
	CHECK(
	    fails_with("[service.a]\nimage = Postgres:15\n",
		       ":2: image: invalid image reference 'Postgres:15': repository names must be "
		       "lowercase"));
	CHECK(fails_with("[service.a]\nimage = dir:rootfs\n",
			 ":2: image dir:rootfs: dir: takes an absolute path"));
	CHECK(fails_with("[service.a]\nimage = deb:\n",
			 ":2: image deb:: '' is not a Debian suite; write e.g. deb:bookworm"));
	CHECK(fails_with("[service.a]\nbuild =\n", ":2: build has no value"));
	CHECK(fails_with("[service.a]\nimage = deb:bookworm\ndockerfile = D\n",
			 ":3: dockerfile = needs build = DIR (the build context)"));
	CHECK(fails_with("[service.a]\nbuild = .\nimage = deb:bookworm\n",
			 ":3: image = deb:bookworm: with build =, image names the built image "
			 "(e.g. image = myapp:dev)"));
	CHECK(fails_with("[service.a]\nbuild = .\npackages = curl\n",
			 ":3: packages = is for deb: images, not with build ="));
}

TEST(profiles_unknown_and_shadowed)
{
	CHECK(fails_with("[service.db]\nprofile = pgg\n",
			 ":2: unknown profile 'pgg' (did you mean pg? available: cache, pg)"));
	CHECK(fails_with("[service.db]\nprofile = mysql\n",
			 ":2: unknown profile 'mysql' (available: cache, pg)"));
	CHECK(fails_with("[service.db]\nprofile = ../pg\n",
			 ":2: bad profile name '../pg': letters, digits, _ . -"));

	struct fx f;
	struct stack st;
	struct clan_err err;
	/* ./profiles beats the user's, which beats the installed one */
	fx_init(&f, "[service.db]\nprofile = pg\n[service.c]\nprofile = cache\n");
	fx_write(&f, "profiles/pg.yaml", "image: project-pg:1\n");
	fx_write(&f, "../user/pg.yaml", "image: user-pg:1\n");
	fx_write(&f, "../user/cache.yaml", "image: user-cache:1\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	CHECK_STR(stack_find(&st, "db")->image, "project-pg:1");
	CHECK_STR(stack_find(&st, "c")->image, "user-cache:1");
	stack_free(&st);
	fx_free(&f);
}

TEST(profile_errors_name_the_profile)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.db]\nprofile = broken\n");
	fx_write(&f, "profiles/broken.yaml",
		 "image: x\nhealthcheck:\n  test: a\n  intervall: 1s\n");
	CHECK(fx_load(&f, &st, &err) < 0);
	char *want = xasprintf("%s/profiles/broken.yaml:4: unknown key 'intervall' in healthcheck "
			       "(did you mean interval?)",
			       f.proj);
	CHECK_STR(err.msg, want);
	CHECK(err.code == CLAN_EXIT_USAGE);
	free(want);
	fx_free(&f);
}

TEST(healthcheck)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\nhealthcheck = curl -f http://127.0.0.1/ || exit 1\n"
		    "healthcheck_interval = 2s\nhealthcheck_retries = 5\n"
		    "[service.b]\nprofile = pg\nhealthcheck_timeout = 1m\n"
		    "[service.c]\nprofile = pg\nexpose = 1\nhealthcheck = NONE\n"
		    "[service.d]\nimage = x\nhealthcheck = [\"CMD\", \"true\"]\n"
		    "[service.e]\nimage = x\nhealthcheck = [\"CMD-SHELL\", \"exit 0\"]\n"
		    "healthcheck_start_period = 10s\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *a = stack_find(&st, "a"), *b = stack_find(&st, "b");
	CHECK(a->has_health && a->health.test.n == 3);
	CHECK_STR(a->health.test.v[2], "curl -f http://127.0.0.1/ || exit 1");
	CHECK(a->health.interval_ms == 2000 && a->health.retries == 5);
	/* not written: unset, and docker's defaults apply */
	CHECK(a->health.timeout_ms == 0 && a->health.start_period_ms == 0);
	CHECK(hc_timeout_ms(&a->health) == 30000);
	CHECK(!a->health_from_profile && !b->health_from_profile);
	/* the profile's, with one field overridden */
	CHECK(b->has_health && b->health.interval_ms == 1000 && b->health.timeout_ms == 60000);
	CHECK(b->health.retries == 60);
	CHECK_STR(b->health.test.v[2], "pg_isready");
	CHECK(!stack_find(&st, "c")->has_health);
	const struct service *d = stack_find(&st, "d"), *e = stack_find(&st, "e");
	CHECK(d->health.test.n == 1);
	CHECK_STR(d->health.test.v[0], "true");
	CHECK(e->health.test.n == 3 && e->health.start_period_ms == 10000);
	CHECK_STR(e->health.test.v[2], "exit 0");
	stack_free(&st);
	fx_free(&f);
}

TEST(healthcheck_errors)
{
	CHECK(fails_with("[service.a]\nimage = x\nhealthcheck_interval = 1s\n",
			 ":3: healthcheck_interval without a health check: add healthcheck = CMD"));
	CHECK(fails_with("[service.a]\nimage = x\nhealthcheck = true\nhealthcheck_interval = 1\n",
			 ":4: healthcheck_interval: bad duration '1' (e.g. 1s, 500ms, 1m30s)"));
	CHECK(fails_with("[service.a]\nimage = x\nhealthcheck = true\nhealthcheck_retries = 0\n",
			 ":4: healthcheck_retries: '0' is not a number >= 1"));
	CHECK(fails_with("[service.a]\nimage = x\nhealthcheck = true\nhealthcheck_interval = 0s\n",
			 ":4: healthcheck_interval must be at least 1ms"));
	CHECK(
	    fails_with("[service.a]\nimage = x\nhealthcheck = [\"true\"]\n",
		       ":3: healthcheck: expected [\"CMD\", prog, args...], [\"CMD-SHELL\", text] "
		       "or [\"NONE\"]"));
}

TEST(restart_and_stop)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\nrestart = unless-stopped\nstop_grace_period = 1m30s\n"
		    "stop_signal = SIGQUIT\n[service.b]\nprofile = pg\nexpose = 1\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *a = stack_find(&st, "a"), *b = stack_find(&st, "b");
	CHECK(a->restart == RESTART_UNLESS_STOPPED && a->stop_grace_ms == 90000);
	CHECK(a->stop_signal == SIGQUIT);
	CHECK(b->stop_signal == SIGINT); /* the profile's */
	stack_free(&st);
	fx_free(&f);
	CHECK(fails_with("[service.a]\nimage = x\nrestart = allways\n",
			 ":3: bad restart policy 'allways' (did you mean always?)"));
	CHECK(fails_with("[service.a]\nimage = x\nstop_grace_period = soon\n",
			 ":3: stop_grace_period: bad duration 'soon' (e.g. 1s, 500ms, 1m30s)"));
	CHECK(fails_with("[service.a]\nimage = x\nstop_signal = SIGTREM\n",
			 ":3: stop_signal: unknown signal 'SIGTREM' (did you mean SIGTERM?)"));
}

TEST(device_key)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\ndevice = /dev/null:/dev/n\n"
		    "device = example.com/test=null\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *a = stack_find(&st, "a");
	CHECK(a && a->devices.n == 2 && strcmp(a->devices.v[1], "example.com/test=null") == 0);
	stack_free(&st);
	fx_free(&f);
	CHECK(fails_with("[service.a]\nimage = x\ndevice = /dev/null:/dev/n:q\n",
			 ":3: bad device '/dev/null:/dev/n:q': the permissions are some of r, w "
			 "and m, each once (expected /dev/HOST[:/dev/CONTAINER][:rwm] or a CDI "
			 "name such as vendor.com/class=name)"));
}

TEST(security_opt)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\nsecurity_opt = seccomp=unconfined\n"
		    "[service.b]\nimage = x\nsecurity_opt = no-new-privileges\n"
		    "security_opt = seccomp=sec/p.json\n[service.c]\nimage = x\n");
	fx_write(&f, "sec/p.json", "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
	CHECK(fx_load(&f, &st, &err) == 0);
	CHECK_STR(stack_find(&st, "a")->seccomp, "unconfined");
	char *abs = xasprintf("%s/sec/p.json", f.proj);
	CHECK_STR(stack_find(&st, "b")->seccomp, abs);
	CHECK(stack_find(&st, "c")->seccomp == NULL);
	free(abs);
	stack_free(&st);
	fx_free(&f);
	CHECK(fails_with("[service.a]\nimage = x\nsecurity_opt = label=disable\n",
			 ":3: bad security_opt 'label=disable': unknown option "
			 "(seccomp=unconfined|FILE or no-new-privileges)"));
	/* the profile is read at load: a bad one stops it, naming the file */
	fx_init(&f, "[service.a]\nimage = x\nsecurity_opt = seccomp=p.json\n");
	fx_write(&f, "p.json", "{\"defaultAction\": \"SCMP_ACT_BOGUS\"}");
	CHECK(fx_load(&f, &st, &err) < 0 && err.code == CLAN_EXIT_USAGE);
	char *want = xasprintf("%s/.clanrc:3: security_opt: %s/p.json: defaultAction: unknown "
			       "action \"SCMP_ACT_BOGUS\"",
			       f.proj, f.proj);
	if (strncmp(err.msg, want, strlen(want)) != 0) {
		printf("#   got:  %s\n#   want: %s...\n", err.msg, want);
		*tap_failed = 1;
	}
	free(want);
	fx_free(&f);
}

TEST(command_entrypoint_user_workdir)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nprofile = pg\nexpose = 1\nentrypoint = /init.sh\n"
		    "[service.b]\nprofile = pg\nexpose = 2\ncommand = postgres -c fsync=off\n"
		    "user = 999:999\nworking_dir = /w\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	const struct service *a = stack_find(&st, "a"), *b = stack_find(&st, "b");
	/* a service's own entrypoint drops the profile's command */
	CHECK(a->entrypoint.n == 1 && a->command.n == 0);
	CHECK(b->command.n == 3);
	CHECK_STR(b->command.v[2], "fsync=off");
	CHECK_STR(b->user, "999:999");
	CHECK_STR(b->working_dir, "/w");
	stack_free(&st);
	fx_free(&f);
	CHECK(fails_with("[service.a]\nimage = x\nworking_dir = app\n",
			 ":3: working_dir must be an absolute path, not app"));
	CHECK(fails_with("[service.a]\nimage = x\nuser = a b\n",
			 ":3: bad user 'a b' (NAME, UID, NAME:GROUP or UID:GID)"));
	CHECK(fails_with("[service.a]\nimage = x\ncommand = echo 'open\n",
			 ":3: command: unterminated quote in 'echo 'open'"));
}

/* issue 11: inline comments as in .env, commands split as compose does */
TEST(comments_and_commands)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f,
		"[service.a]\nimage = x\nport = 8000:80  # web\nenvironment = BAR=baz   # note\n"
		"command = sh -c \"a ; b\" ; runs both\n"
		"[service.b]\nimage = x\n"
		"command = sh -c \"i=0; while [ $$i -lt 3 ]; do echo $$i; i=$$((i+1)); done\"\n"
		"entrypoint = /init.sh --flag=\"x y\" # the init\n");
	int loaded = fx_load(&f, &st, &err) == 0;
	CHECK(loaded);
	if (!loaded) {
		printf("#   %s\n", err.msg);
		fx_free(&f);
		return;
	}
	const struct service *a = stack_find(&st, "a"), *b = stack_find(&st, "b");
	CHECK(a->nports == 1 && a->ports[0].host_port == 8000 && a->ports[0].container_port == 80);
	CHECK_STR(env_of(a, "BAR"), "baz");
	CHECK(a->command.n == 3);
	CHECK_STR(a->command.v[0], "sh");
	CHECK_STR(a->command.v[2], "a ; b");
	/* no outer shell: the loop's $i reaches the text's own sh -c */
	CHECK(b->command.n == 3);
	CHECK_STR(b->command.v[2], "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done");
	CHECK(b->entrypoint.n == 2);
	CHECK_STR(b->entrypoint.v[1], "--flag=x y");
	stack_free(&st);
	fx_free(&f);

	CHECK(fails_with("[service.a]\nimage = x\ncommand = npm install && npm start\n",
			 ":3: command: '&&' needs a shell, and clan adds none (a command is split "
			 "into words, as compose does): write command = sh -c '...'"));
	CHECK(fails_with("[service.a]\nimage = x\nentrypoint = run >log\n",
			 ":3: entrypoint: '>' needs a shell, and clan adds none (a command is "
			 "split into words, as compose does): write entrypoint = sh -c '...'"));
	CHECK(fails_with("[service.a]\nimage = x\ncommand = echo $$HOME\n",
			 ":3: command: '$HOME' needs a shell, and clan adds none (a command is "
			 "split into words, as compose does): write command = sh -c '...'"));
	/* a value refused where a comment was cut says so */
	CHECK(fails_with("[service.a]\nimage = x\ncommand = sh -c \"a ; b\n",
			 ":3: command: unterminated quote in 'sh -c \"a' (an inline comment starts "
			 "with ' #' or ' ;': the value ends before '; b')"));
	CHECK(fails_with("[service.a]\nimage = x\nport = 8000: #80\n",
			 ":3: bad port '8000:': the container port is a number from 1 to 65535 "
			 "(e.g. port = 8000, port = 8080:80, port = 127.0.0.1:5432:5432, port = "
			 "5353:53/udp) (an inline comment starts with ' #' or ' ;': the value ends "
			 "before '#80')"));
}

TEST(whole_file_errors)
{
	CHECK(fails_with("[project]\nname = x\n", ": no services: add a [service.NAME] section "
						  "(clan init writes a start)"));
	CHECK(fails_with("[service.a]\nimgae = x\n",
			 ":2: unknown key 'imgae' in [service.a] (did you mean image?)"));
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, NULL);
	CHECK(fx_load(&f, &st, &err) < 0);
	char *want =
	    xasprintf("no .clanrc or compose file in %s (clan init writes a .clanrc)", f.proj);
	CHECK_STR(err.msg, want);
	CHECK(err.code == CLAN_EXIT_USAGE);
	free(want);
	fx_free(&f);
}

static char *printed(const struct stack *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	stack_print(st, out);
	fclose(out);
	return buf;
}

TEST(print_is_compose_like_and_deterministic)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[project]\nname = demo\n"
		    "[service.web]\nimage = deb:bookworm\ncommand = python3 -m http.server\n"
		    "port = 8000\ndepends_on = db\nalias = www\nenvironment = DEBUG=1\n"
		    "environment = EMPTY=\nenvironment = ANSWER=no\nrestart = on-failure\n"
		    "[service.db]\nprofile = pg\nimage = postgres:16\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	char *text = printed(&st);
	/* docker compose config's canonical form: services by name, keys in
	 * compose's order, long-form ports and volumes */
	const char *want = "name: demo\n"
			   "services:\n"
			   "  db:\n"
			   "    command:\n"
			   "    - postgres\n"
			   "    environment:\n"
			   "      PGDATA: /var/lib/postgresql/data\n"
			   "      FROM_PROFILE: profile\n"
			   "      SHARED: profile\n"
			   "    healthcheck:\n"
			   "      test:\n"
			   "      - CMD-SHELL\n"
			   "      - pg_isready\n"
			   "      interval: 1s\n"
			   "      timeout: 5s\n"
			   "      retries: 60\n"
			   "    image: postgres:16\n"
			   "    networks:\n"
			   "      default: null\n"
			   "    stop_signal: SIGINT\n"
			   "    user: postgres\n"
			   "    volumes:\n"
			   "    - type: volume\n"
			   "      source: db_data\n"
			   "      target: /var/lib/postgresql/data\n"
			   "      volume: {}\n"
			   "    x-clan-profile: pg\n"
			   "  web:\n"
			   "    command:\n"
			   "    - python3\n"
			   "    - -m\n"
			   "    - http.server\n"
			   "    depends_on:\n"
			   "      db:\n"
			   "        condition: service_started\n"
			   "        required: true\n"
			   "    environment:\n"
			   "      DEBUG: \"1\"\n"
			   "      EMPTY: \"\"\n"
			   "      ANSWER: \"no\"\n"
			   "    image: deb:bookworm\n"
			   "    networks:\n"
			   "      default:\n"
			   "        aliases:\n"
			   "        - www\n"
			   "    ports:\n"
			   "    - mode: ingress\n"
			   "      host_ip: \"127.0.0.1\"\n"
			   "      target: 8000\n"
			   "      published: \"8000\"\n"
			   "      protocol: tcp\n"
			   "    restart: on-failure\n"
			   "networks:\n"
			   "  default:\n"
			   "    name: demo_default\n"
			   "volumes:\n"
			   "  db_data: {}\n";
	CHECK_STR(text, want);
	char *again = printed(&st);
	CHECK_STR(again, text);
	free(text);
	free(again);
	stack_free(&st);
	fx_free(&f);
}

TEST(print_quotes_what_must_be_quoted)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\nenvironment = A=yes\nenvironment = B=0x1f\n"
		    "environment = C=a: b\nenvironment = D=\"q\"\nenvironment = E=1.5\n"
		    "environment = F=on\nenvironment = G=~\nenvironment = H= lead\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	char *text = printed(&st);
	CHECK(strstr(text, "A: \"yes\"\n") && strstr(text, "B: \"0x1f\"\n"));
	CHECK(strstr(text, "C: 'a: b'\n") && strstr(text, "E: \"1.5\"\n"));
	CHECK(strstr(text, "F: \"on\"\n") && strstr(text, "G: \"~\"\n"));
	CHECK(strstr(text, "D: '\"q\"'\n"));
	free(text);
	stack_free(&st);
	fx_free(&f);
}

TEST(print_replaces_bytes_that_are_not_utf8)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, "[service.a]\nimage = x\nenv_file = latin1.env\n");
	fx_write(&f, "latin1.env", "CITY=K\xf6ln\nOK=gr\xc3\xbc\xc3\x9f\n");
	CHECK(fx_load(&f, &st, &err) == 0);
	CHECK_STR(env_of(&st.svcs[0], "CITY"), "K\xf6ln"); /* the container gets the bytes */
	char *text = printed(&st);
	CHECK(strstr(text, "CITY: K\xef\xbf\xbdln\n") != NULL);
	CHECK(strstr(text, "OK: gr\xc3\xbc\xc3\x9f\n") != NULL);
	free(text);
	stack_free(&st);
	fx_free(&f);
}
