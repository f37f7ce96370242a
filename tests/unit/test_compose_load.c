/* Unit tests for the compose loader through stack_load: each case is a
 * compose.yaml (and the other files it needs) in a fresh project dir, a
 * shell environment and compose's project flags, then either the fields
 * of the struct stack it gives or the exit code and the exact message
 * with FILE:LINE:COLUMN. The expected behaviour is docker compose's:
 * compose-spec/compose-spec spec.md and compose-go v2 (the loader,
 * types, override and transform packages), each table saying where clan
 * deviates on purpose (ports on 127.0.0.1, one network). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/cfgval.h"
#include "config/dotenv.h"
#include "config/stack.h"
#include "tap.h"
#include "base/strbuf.h"
#include "base/util.h"

#define TAP_NAME_MAX 40

struct ccase {
	const char *name;
	const char *yaml;     /* compose.yaml; NULL: none written */
	const char *extra[8]; /* more files: PATH, TEXT, ... (PATH/ : a dir) */
	const char *shell[6]; /* the shell environment: K=V */
	const char *args;     /* -f F, -p N, --env-file F, --profile P, space separated */
	int rc;		      /* 0, or the exit code of the error */
	const char *msg;      /* the whole error, P the project dir */
	const char *want[12]; /* FIELD=VALUE (see field()) */
};

/* The shell environment of the running case (stack_load_opts.lookup
 * takes no argument). */
static const char *const *cur_shell;

static const char *shell_lookup(const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; cur_shell && cur_shell[i]; i++)
		if (strncmp(cur_shell[i], name, n) == 0 && cur_shell[i][n] == '=')
			return cur_shell[i] + n + 1;
	return NULL;
}

/* s with every occurrence of from replaced by to (a fresh string). */
static char *replace(const char *s, const char *from, const char *to)
{
	struct strbuf b = {0};
	size_t n = strlen(from);
	strbuf_adds(&b, "");
	for (const char *p; (p = strstr(s, from)); s = p + n) {
		strbuf_addn(&b, s, (size_t)(p - s));
		strbuf_adds(&b, to);
	}
	strbuf_adds(&b, s);
	return b.s;
}

static void join(struct strbuf *b, const char *sep, const char *s)
{
	if (b->len)
		strbuf_adds(b, sep);
	strbuf_adds(b, s);
}

static void join_strv(struct strbuf *b, const struct strv *v, const char *sep)
{
	for (size_t i = 0; i < v->n; i++)
		join(b, sep, v->v[i]);
}

static const char *const cond_names[] = {"started", "healthy", "completed"};

static void health_field(struct strbuf *b, const struct service *s)
{
	if (!s->has_health) {
		strbuf_adds(b, s->health_off ? "off" : "none");
		if (s->health.interval_ms)
			strbuf_adds(b, " i-only");
		return;
	}
	const struct healthcheck *h = &s->health;
	join_strv(b, &h->test, ",");
	char *t = xasprintf(" i=%d t=%d r=%d s=%d", h->interval_ms, h->timeout_ms, h->retries,
			    h->start_period_ms);
	strbuf_adds(b, t);
	free(t);
}

static void mounts_field(struct strbuf *b, const struct service *s)
{
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct svc_mount *m = &s->mounts[i];
		char *t = xasprintf("%s:%s%s%s%s:%s%s%s", m->volume ? "vol" : "bind",
				    m->volume ? m->volume : m->src, m->volume_name ? "=" : "",
				    m->volume_name ? m->volume_name : "", m->external ? "!ext" : "",
				    m->dst, m->ro ? ":ro" : "", m->create ? ":create" : "");
		join(b, " ", t);
		free(t);
	}
}

/* A service's field as text: lists joined by ' ' (env, ports, mounts,
 * deps, aliases) or ',' (argv, extra_hosts). */
static void service_field(struct strbuf *b, const struct service *s, const char *f)
{
	char buf[128];
	if (strcmp(f, "env") == 0)
		join_strv(b, &s->environment, " ");
	else if (strcmp(f, "image") == 0)
		strbuf_adds(b, s->image ? s->image : "(null)");
	else if (strcmp(f, "command") == 0)
		join_strv(b, &s->command, ",");
	else if (strcmp(f, "entrypoint") == 0)
		join_strv(b, &s->entrypoint, ",");
	else if (strcmp(f, "ports") == 0)
		for (size_t i = 0; i < s->nports; i++) {
			port_map_format(&s->ports[i], buf, sizeof buf);
			join(b, " ", buf);
		}
	else if (strcmp(f, "mounts") == 0)
		mounts_field(b, s);
	else if (strcmp(f, "labels") == 0)
		join_strv(b, &s->labels, " ");
	else if (strcmp(f, "deps") == 0)
		for (size_t i = 0; i < s->depends_on.n; i++) {
			snprintf(buf, sizeof buf, "%s:%s", s->depends_on.v[i],
				 cond_names[s->dep_conds ? s->dep_conds[i] : 0]);
			join(b, " ", buf);
		}
	else if (strcmp(f, "health") == 0)
		health_field(b, s);
	else if (strcmp(f, "restart") == 0)
		strbuf_adds(b, (const char *[]){"no", "on-failure", "always",
						"unless-stopped"}[s->restart]);
	else if (strcmp(f, "user") == 0)
		strbuf_adds(b, s->user ? s->user : "(null)");
	else if (strcmp(f, "workdir") == 0)
		strbuf_adds(b, s->working_dir ? s->working_dir : "(null)");
	else if (strcmp(f, "hostname") == 0)
		strbuf_adds(b, s->hostname ? s->hostname : "(null)");
	else if (strcmp(f, "aliases") == 0)
		join_strv(b, &s->aliases, " ");
	else if (strcmp(f, "hosts") == 0)
		join_strv(b, &s->extra_hosts, ",");
	else if (strcmp(f, "signal") == 0)
		signal_format(s->stop_signal, buf, sizeof buf), strbuf_adds(b, buf);
	else if (strcmp(f, "grace") == 0)
		snprintf(buf, sizeof buf, "%d", s->stop_grace_ms), strbuf_adds(b, buf);
	else if (strcmp(f, "seccomp") == 0)
		strbuf_adds(b, s->seccomp ? s->seccomp : "(null)");
	else if (strcmp(f, "epset") == 0)
		strbuf_adds(b, s->entrypoint_set ? "true" : "false");
	else if (strcmp(f, "init") == 0)
		strbuf_adds(b, s->init ? "true" : "false");
	else if (strcmp(f, "tmpfs") == 0)
		join_strv(b, &s->tmpfs, " ");
	else if (strcmp(f, "caps") == 0) {
		join_strv(b, &s->cap_add, ",");
		strbuf_adds(b, "/");
		struct strbuf d = {0};
		join_strv(&d, &s->cap_drop, ",");
		strbuf_adds(b, d.s ? d.s + (d.s[0] == ',') : "");
		strbuf_free(&d);
	} else if (strcmp(f, "ulimits") == 0)
		join_strv(b, &s->ulimits, " ");
	else if (strcmp(f, "devices") == 0)
		join_strv(b, &s->devices, " ");
	else
		strbuf_adds(b, "(unknown field)");
}

/* name, volumes, services, warnings, or SERVICE.FIELD; P for the
 * project dir. */
static char *field(const struct stack *st, const char *f, const char *proj)
{
	struct strbuf b = {0};
	strbuf_adds(&b, "");
	const char *dot = strchr(f, '.');
	if (strcmp(f, "name") == 0) {
		strbuf_adds(&b, st->name);
	} else if (strcmp(f, "volumes") == 0) {
		join_strv(&b, &st->volumes, " ");
	} else if (strcmp(f, "services") == 0) {
		for (size_t i = 0; i < st->nsvcs; i++)
			join(&b, " ", st->svcs[i].name);
	} else if (strcmp(f, "warnings") == 0) {
		join_strv(&b, &st->warnings, "\n");
	} else if (dot) {
		_cleanup_free_ char *svc = xstrndup(f, (size_t)(dot - f));
		const struct service *s = stack_find(st, svc);
		if (s)
			service_field(&b, s, dot + 1);
		else
			strbuf_adds(&b, "(no such service)");
	}
	char *out = replace(b.s, proj, "P");
	strbuf_free(&b);
	return out;
}

struct fx {
	char root[64];
	char *proj;
	struct project_args args;
};

static void fx_write(struct fx *f, const char *rel, const char *text)
{
	struct clan_err err;
	_cleanup_free_ char *path = xasprintf("%s/%s", f->proj, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdir_p(path, 0755, &err);
	*slash = '/';
	if (slash[1] && write_file(path, text, strlen(text), &err) < 0)
		printf("# cannot write %s: %s\n", path, err.msg);
}

static void fx_args(struct fx *f, const char *args)
{
	_cleanup_free_ char *copy = xstrdup(args ? args : "");
	for (char *save = NULL, *w = strtok_r(copy, " ", &save); w;
	     w = strtok_r(NULL, " ", &save)) {
		char *v = strtok_r(NULL, " ", &save);
		if (!v)
			break;
		if (strcmp(w, "-f") == 0)
			strv_push(&f->args.files, v);
		else if (strcmp(w, "--env-file") == 0)
			strv_push(&f->args.env_files, v);
		else if (strcmp(w, "--profile") == 0)
			strv_push(&f->args.profiles, v);
		else if (strcmp(w, "-p") == 0)
			f->args.name = xstrdup(v);
	}
}

/* The project dir root/proj with the case's files, the current dir in it
 * (relative -f and --env-file are the user's). */
static void fx_init(struct fx *f, const struct ccase *k)
{
	struct clan_err err;
	snprintf(f->root, sizeof f->root, "/tmp/clan-test-cload.XXXXXX");
	if (!mkdtemp(f->root))
		abort();
	f->proj = xasprintf("%s/proj", f->root);
	mkdir_p(f->proj, 0755, &err);
	if (k->yaml)
		fx_write(f, "compose.yaml", k->yaml);
	for (size_t i = 0; i + 1 < ARRAY_SIZE(k->extra) && k->extra[i]; i += 2)
		fx_write(f, k->extra[i], k->extra[i + 1]);
	f->args = (struct project_args){0};
	fx_args(f, k->args);
	if (chdir(f->proj) < 0)
		abort();
}

static void fx_free(struct fx *f)
{
	struct clan_err err;
	if (chdir("/") < 0)
		abort();
	remove_tree(f->root, &err);
	free(f->proj);
	project_args_free(&f->args);
}

static int fx_load(struct fx *f, const struct ccase *k, struct stack *st, struct clan_err *err)
{
	const char *no_dirs[] = {NULL};
	struct stack_load_opts o = {.args = &f->args,
				    .dir = f->args.files.n ? NULL : f->proj,
				    .lookup = shell_lookup,
				    .profile_dirs = no_dirs};
	cur_shell = k->shell;
	*err = (struct clan_err){0};
	return stack_load(&o, st, err);
}

static void run_case(const struct ccase *k, int *tap_failed)
{
	struct fx f;
	struct stack st;
	struct clan_err err;
	fx_init(&f, k);
	int r = fx_load(&f, k, &st, &err);
	if (k->rc) {
		_cleanup_free_ char *msg = replace(err.msg, f.proj, "P");
		if (r != -1 || err.code != k->rc || strcmp(msg, k->msg) != 0) {
			printf("#   case %s: rc %d code %d\n#   got:  %s\n#   want: %s\n", k->name,
			       r, err.code, msg, k->msg);
			*tap_failed = 1;
		}
	} else if (r < 0) {
		_cleanup_free_ char *msg = replace(err.msg, f.proj, "P");
		printf("#   case %s: failed: %s\n", k->name, msg);
		*tap_failed = 1;
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(k->want) && k->want[i]; i++) {
			const char *eq = strchr(k->want[i], '=');
			_cleanup_free_ char *name = xstrndup(k->want[i], (size_t)(eq - k->want[i]));
			_cleanup_free_ char *got = field(&st, name, f.proj);
			if (strcmp(got, eq + 1) != 0) {
				printf("#   case %s: %s\n#   got:  %s\n#   want: %s\n", k->name,
				       name, got, eq + 1);
				*tap_failed = 1;
			}
		}
		stack_free(&st);
	}
	fx_free(&f);
}

static void run_cases(const struct ccase *cases, size_t n, int *tap_failed)
{
	for (size_t i = 0; i < n; i++)
		run_case(&cases[i], tap_failed);
}

#define IMG "    image: alpine\n"

/* environment, env_file, interpolation and .env. compose-go:
 * types/project.go WithServicesEnvironmentResolved (env_file, then
 * environment over it, KEY alone resolved from the project's
 * environment and dropped when unset), template/template.go. */
static const struct ccase env_cases[] = {
    {"env map, numbers and booleans as text",
     "services:\n  web:\n" IMG "    environment:\n      A: 1\n      B: true\n      C: \"x y\"\n"
     "      D: ''\n",
     .want = {"web.env=A=1 B=true C=x y D="}},
    {"env map: plain numbers and booleans as Go prints them (compose-go mappingValue)",
     "services:\n  web:\n" IMG "    environment:\n      V: 1.10\n      F: 1.0\n      T: True\n"
     "      O: 010\n      H: 0x1F\n      U: 1_000\n      E: 1e6\n      Q: \"1.0\"\n"
     "      I: ${ONE}\n      D: 2001-12-14\n      S: 1.2.3\n",
     .shell = {"ONE=1.0"},
     .want = {"web.env=V=1.1 F=1 T=true O=8 H=31 U=1000 E=1e+06 Q=1.0 I=1.0 D=2001-12-14 "
	      "S=1.2.3"}},
    {"env list, KEY= empty, KEY alone from the shell",
     "services:\n  web:\n" IMG "    environment:\n      - A=1\n      - B=\n      - HOMEDIR\n"
     "      - UNSET\n",
     .shell = {"HOMEDIR=/home/u"}, .want = {"web.env=A=1 B= HOMEDIR=/home/u"}},
    {"env map KEY: null takes the shell's value, dropped when unset",
     "services:\n  web:\n" IMG "    environment:\n      SET:\n      GONE:\n      V: ~\n",
     .shell = {"SET=s", "V=v"}, .want = {"web.env=SET=s V=v"}},
    {"KEY alone takes the .env value too (the project's environment)",
     "services:\n  web:\n" IMG "    environment: [FROMDOT]\n", .extra = {".env", "FROMDOT=d\n"},
     .want = {"web.env=FROMDOT=d"}},
    {"a value with '=' in the list form",
     "services:\n  web:\n" IMG "    environment: [\"URL=a=b=c\"]\n", .want = {"web.env=URL=a=b=c"}},
    {"env_file string, environment beats it, written before it",
     "services:\n  web:\n" IMG "    environment:\n      A: env\n    env_file: a.env\n",
     .extra = {"a.env", "A=file\nB=file\n"}, .want = {"web.env=A=env B=file"}},
    {"env_file list: the later file wins",
     "services:\n  web:\n" IMG "    env_file: [a.env, b.env]\n",
     .extra = {"a.env", "A=a\nB=a\n", "b.env", "B=b\n"}, .want = {"web.env=A=a B=b"}},
    {"env_file long form, required: false and missing",
     "services:\n  web:\n" IMG "    env_file:\n      - path: a.env\n      - path: none.env\n"
     "        required: false\n",
     .extra = {"a.env", "A=a\n"}, .want = {"web.env=A=a"}},
    {"an env_file sees the env_files before it, before the shell",
     "services:\n  web:\n" IMG "    env_file: [a.env, b.env]\n",
     .extra = {"a.env", "A=a\n", "b.env", "B=${A}-b\nC=${S}\n"}, .shell = {"A=shell", "S=s"},
     .want = {"web.env=A=a B=a-b C=s"}},
    {"env_file long form: an unknown key",
     "services:\n  web:\n" IMG "    env_file:\n      - path: a.env\n        requird: false\n",
     .rc = 2, .msg = "P/compose.yaml:6:18: env_file: unknown key requird (did you mean required?)"},
    {"KEY alone and unset removes the env_file's KEY (compose-go OverrideBy with nil)",
     "services:\n  web:\n" IMG "    env_file: a.env\n    environment: [A, B]\n",
     .extra = {"a.env", "A=file\nB=file\nC=file\n"}, .shell = {"B=shell"},
     .want = {"web.env=B=shell C=file"}},
    {"env_file missing and required",
     "services:\n  web:\n" IMG "    env_file:\n      - path: none.env\n", .rc = 2,
     .msg = "P/compose.yaml:5:15: env_file none.env: No such file or directory"},
    {"interpolation in values, not in keys; $$ is a $",
     "services:\n  web:\n" IMG "    environment:\n      ${K}: ${V}\n      P: $$HOME\n"
     "      Q: \"a$${V}b\"\n",
     .shell = {"K=key", "V=val"}, .want = {"web.env=${K}=val P=$HOME Q=a${V}b"}},
    {"defaults and alternatives",
     "services:\n  web:\n" IMG "    environment:\n      A: ${U:-def}\n      B: ${E-def}\n"
     "      C: ${E:-def}\n      D: ${S:+alt}\n      E: ${U+alt}\n",
     .shell = {"E=", "S=s"}, .want = {"web.env=A=def B= C=def D=alt E="}},
    {"${VAR:?err} fails at file:line",
     "services:\n  web:\n" IMG "    environment:\n      A: ${NEED:?set NEED}\n", .rc = 2,
     .msg = "P/compose.yaml:5: NEED: set NEED"},
    {"the shell beats .env", "services:\n  web:\n" IMG "    environment: {A: $A, B: $B}\n",
     .extra = {".env", "A=dot\nB=dot\n"}, .shell = {"A=shell"}, .want = {"web.env=A=shell B=dot"}},
    {"--env-file replaces .env",
     "services:\n  web:\n" IMG "    environment: {A: $A, B: \"${B:-none}\"}\n",
     .extra = {".env", "A=dot\nB=dot\n", "other.env", "A=other\n"}, .args = "--env-file other.env",
     .want = {"web.env=A=other B=none"}},
    {"an unset variable is empty, with a warning",
     "services:\n  web:\n" IMG "    environment: {A: \"x${NOPE}y\"}\n", .want = {"web.env=A=xy"}},
    {"environment: a scalar is refused", "services:\n  web:\n" IMG "    environment: A=1\n",
     .rc = 2, .msg = "P/compose.yaml:4:18: environment: expected a mapping or a list of KEY=VALUE"},
};

TEST(environment_and_interpolation)
{
	run_cases(env_cases, ARRAY_SIZE(env_cases), tap_failed);
}

/* ports: compose-go types/types.go ParsePortConfig (docker's nat
 * ParsePortSpec) and the long form of spec.md. clan's deviation: no host
 * IP means 127.0.0.1. */
static const struct ccase port_cases[] = {
    {"short forms",
     "services:\n  web:\n" IMG "    ports:\n      - 80\n      - \"8080:81\"\n"
     "      - 0.0.0.0:8081:82\n      - \"127.0.0.2::83\"\n      - \"9000-9001:9000-9001\"\n"
     "      - \"53:53/udp\"\n      - \"[::1]:8082:84\"\n",
     .want = {"web.ports=127.0.0.1:0->80/tcp 127.0.0.1:8080->81/tcp 0.0.0.0:8081->82/tcp "
	      "127.0.0.2:0->83/tcp 127.0.0.1:9000-9001->9000-9001/tcp 127.0.0.1:53->53/udp "
	      "[::1]:8082->84/tcp"}},
    {"long forms",
     "services:\n  web:\n" IMG "    ports:\n      - target: 80\n"
     "      - {target: 81, published: 8081}\n      - {target: 82, published: \"8082\"}\n"
     "      - {target: 83, published: 8083, host_ip: 0.0.0.0}\n"
     "      - {target: 84, published: 8084, host_ip: \"::1\"}\n"
     "      - {target: 85, host_ip: \"::1\"}\n"
     "      - {target: 86, published: 8086, protocol: udp, mode: host}\n",
     .want = {"web.ports=127.0.0.1:0->80/tcp 127.0.0.1:8081->81/tcp 127.0.0.1:8082->82/tcp "
	      "0.0.0.0:8083->83/tcp [::1]:8084->84/tcp [::1]:0->85/tcp 127.0.0.1:8086->86/udp"}},
    {"long form without target", "services:\n  web:\n" IMG "    ports:\n      - published: 80\n",
     .rc = 2, .msg = "P/compose.yaml:5:9: this port has no target"},
    {"long form unknown key",
     "services:\n  web:\n" IMG "    ports:\n      - target: 80\n        publish: 80\n", .rc = 2,
     .msg = "P/compose.yaml:6:18: ports: unknown key publish (did you mean published?)"},
    {"a bad short port", "services:\n  web:\n" IMG "    ports: [\"80:http\"]\n", .rc = 2,
     .msg = "P/compose.yaml:4:13: ports: bad port '80:http': the container port is a number "
	    "from 1 to 65535 (e.g. \"8000:8000\", \"127.0.0.1:5432:5432\")"},
    {"ports: a scalar", "services:\n  web:\n" IMG "    ports: 80\n", .rc = 2,
     .msg = "P/compose.yaml:4:12: ports: expected a list"},
    {"expose",
     "services:\n  web:\n" IMG "    expose: [3000, \"4000/udp\"]\n  db:\n" IMG
     "    expose: [\"3000\"]\n",
     .rc = 2,
     .msg = "P/compose.yaml:7:14: db and web both listen on port 3000/tcp: services share one "
	    "network (like a pod); move one to another port (its command and port = "
	    "HOST:OTHER)"},
    {"the same host port twice",
     "services:\n  web:\n" IMG "    ports: [\"8080:80\"]\n  api:\n" IMG
     "    ports: [\"8080:81\"]\n",
     .rc = 2,
     .msg = "P/compose.yaml:7:13: host port 127.0.0.1:8080 is already published by web "
	    "(P/compose.yaml:4:13)"},
};

TEST(ports)
{
	run_cases(port_cases, ARRAY_SIZE(port_cases), tap_failed);
}

/* volumes: compose-go loader/volume.go ParseVolume and spec.md's long
 * syntax. clan's deviation: an anonymous volume is SERVICE_BASENAME, kept
 * across down like a named one. */
static const struct ccase volume_cases[] = {
    {"named, bind relative, absolute and ~, modes",
     "services:\n  web:\n" IMG "    volumes:\n      - data:/data\n      - ./src:/app:ro\n"
     "      - /etc/hostname:/h:ro,z\n      - ~/cache:/cache:cached\n      - ./new:/new:rw\n"
     "      - /var/lib/x\nvolumes:\n  data:\n",
     .shell = {"HOME=/home/u"},
     .want = {"web.mounts=vol:data:/data bind:P/src:/app:ro:create "
	      "bind:/etc/hostname:/h:ro:create bind:/home/u/cache:/cache:create "
	      "bind:P/new:/new:create vol:web_x:/var/lib/x",
	      "volumes=data web_x"}},
    {"an undeclared named volume", "services:\n  web:\n" IMG "    volumes: [\"data:/data\"]\n",
     .rc = 2,
     .msg = "P/compose.yaml:4:15: service web uses volume data, which is not declared under "
	    "the top-level volumes:"},
    {"propagation and nocopy options",
     "services:\n  web:\n" IMG "    volumes: [\"data:/data:nocopy\", \"./s:/s:rshared\"]\n"
     "volumes: {data: }\n",
     .want = {"web.mounts=vol:data:/data bind:P/s:/s:create"}},
    {"an unknown mode is ignored with a warning, as compose ignores it",
     "services:\n  web:\n" IMG "    volumes: [\"./s:/s:rx,ro\"]\n",
     .want = {"web.mounts=bind:P/s:/s:ro:create",
	      "warnings=P/compose.yaml:4:15: volumes: unknown option 'rx' in './s:/s:rx,ro' is "
	      "ignored"}},
    {"top-level name: and external: give the storage name",
     "services:\n  web:\n" IMG "    volumes: [a:/a, b:/b, c:/c, d:/d]\n"
     "volumes:\n  a:\n    name: shared-a\n  b:\n    external: true\n"
     "  c:\n    external: true\n    name: made-c\n  d: {}\n",
     .want = {"web.mounts=vol:a=shared-a:/a vol:b=b!ext:/b vol:c=made-c!ext:/c vol:d:/d"}},
    {"labels: a mapping or KEY=VALUE, KEY alone empty, the last one wins",
     "services:\n  web:\n" IMG "    labels: [a=1, b, \"c=x=y\", a=2]\n"
     "  db:\n" IMG "    labels: {k: v, n: 1.50, e: }\n",
     .want = {"web.labels=a=2 b= c=x=y", "db.labels=k=v n=1.5 e="}},
    {"labels: a nested value", "services:\n  web:\n" IMG "    labels: {k: [1]}\n", .rc = 2,
     .msg = "P/compose.yaml:4:17: labels: expected KEY=VALUE"},
    {"a tab in the indentation: said so", "services:\n  web:\n\timage: busybox\n", .rc = 2,
     .msg = "P/compose.yaml:3:1: bad YAML: found character that cannot start any token (a tab: "
	    "YAML indents with spaces only)"},
    {"a healthcheck key one level too high: where it goes",
     "services:\n  web:\n" IMG "    healthcheck: {test: [CMD, true]}\n    start_period: 5s\n",
     .rc = 2,
     .msg = "P/compose.yaml:5:19: service web: unknown key start_period (it goes under "
	    "healthcheck:)"},
    {"external: {name: X}, compose format 3's: taken, warned",
     "services:\n  web:\n" IMG
     "    volumes: [b:/b]\nvolumes:\n  b:\n    external: {name: made-b}\n",
     .want = {"web.mounts=vol:b=made-b!ext:/b",
	      "warnings=P/compose.yaml:7:15: volume b: external: {name: ...} is obsolete: write "
	      "external: true and name:"}},
    {"a label's name with an =", "services:\n  web:\n" IMG "    labels: {\"a=b\": c}\n", .rc = 2,
     .msg = "P/compose.yaml:4:21: labels: the name a=b has an ="},
    {"a volume's name is a name, not a path",
     "services:\n  web:\n" IMG "    volumes: [a:/a]\nvolumes:\n  a:\n    name: ../../etc\n",
     .rc = 2,
     .msg = "P/compose.yaml:7:11: volume a: bad name '../../etc': letters, digits, _ . - "
	    "starting with a letter or digit"},
    {"external is a boolean",
     "services:\n  web:\n" IMG "    volumes: [a:/a]\nvolumes:\n  a:\n    external: maybe\n",
     .rc = 2, .msg = "P/compose.yaml:7:15: external: expected true or false"},
    {"an unknown key of a volume, with the nearest",
     "services:\n  web:\n" IMG "    volumes: [a:/a]\nvolumes:\n  a:\n    extrnal: true\n", .rc = 2,
     .msg = "P/compose.yaml:7:14: volume a: unknown key extrnal (did you mean external?)"},
    {"a volume declared as a list", "services:\n  web:\n" IMG "volumes:\n  a: [x]\n", .rc = 2,
     .msg = "P/compose.yaml:5:6: volume a: expected a mapping (name:, external:...) or nothing"},
    {"a driver and its options: warned, the volume is clan's",
     "services:\n  web:\n" IMG "    volumes: [a:/a]\nvolumes:\n  a:\n    driver: nfs\n"
     "    driver_opts: {type: nfs}\n",
     .want = {"web.mounts=vol:a:/a",
	      "warnings=P/compose.yaml:7:13: volume a: driver nfs is ignored: clan's volumes are "
	      "directories in its storage\n"
	      "P/compose.yaml:8:18: volume a: driver_opts are ignored (a host dir is a bind mount: "
	      "./dir:/path)"}},
    {"too many colons", "services:\n  web:\n" IMG "    volumes: [\"./s:/s:ro:x\"]\n", .rc = 2,
     .msg = "P/compose.yaml:4:15: volumes: too many colons in './s:/s:ro:x' (SRC:DST[:MODE])"},
    {"rw after ro", "services:\n  web:\n" IMG "    volumes: [\"./s:/s:ro,rw\"]\n",
     .want = {"web.mounts=bind:P/s:/s:create"}},
    {"a relative target", "services:\n  web:\n" IMG "    volumes: [\"./s:app\"]\n", .rc = 2,
     .msg = "P/compose.yaml:4:15: volumes: the path inside must be absolute"},
    {"a duplicate target",
     "services:\n  web:\n" IMG "    volumes:\n      - ./a:/app\n      - ./b:/app/\n", .rc = 2,
     .msg = "P/compose.yaml:6:9: volumes: /app is mounted twice (first at line 5)"},
    {"long form bind, create_host_path true and false",
     "services:\n  web:\n" IMG "    volumes:\n"
     "      - {type: bind, source: ./made, target: /m, bind: {create_host_path: true}}\n"
     "      - {type: bind, source: ./there, target: /t, read_only: true,\n"
     "         bind: {create_host_path: false}}\n",
     .extra = {"there/", ""}, .want = {"web.mounts=bind:P/made:/m:create bind:P/there:/t:ro"}},
    {"long form bind with a missing dir and create_host_path false",
     "services:\n  web:\n" IMG "    volumes:\n"
     "      - type: bind\n        source: ./nothere\n        target: /t\n"
     "        bind: {create_host_path: false}\n",
     .rc = 2,
     .msg = "P/compose.yaml:5:9: volumes: bind source ./nothere: No such file or directory"},
    {"long form volume, named and anonymous",
     "services:\n  web:\n" IMG "    volumes:\n"
     "      - {type: volume, source: data, target: /d, read_only: true}\n"
     "      - {type: volume, target: /anon}\n"
     "volumes:\n  data:\n",
     .want = {"web.mounts=vol:data:/d:ro vol:web_anon:/anon"}},
    {"long form: an unknown key",
     "services:\n  web:\n" IMG "    volumes:\n      - {type: bind, sorce: ./d, target: /d}\n",
     .rc = 2, .msg = "P/compose.yaml:5:29: volumes: unknown key sorce (did you mean source?)"},
    {"long form bind: an unknown key",
     "services:\n  web:\n" IMG "    volumes:\n      - type: bind\n        source: ./d\n"
     "        target: /d\n        bind: {create_hostpath: true}\n",
     .rc = 2,
     .msg = "P/compose.yaml:8:33: volumes bind: unknown key create_hostpath (did you mean "
	    "create_host_path?)"},
    {"long form volume with a path as source",
     "services:\n  web:\n" IMG "    volumes:\n      - {type: volume, source: ./d, target: /d}\n",
     .rc = 2, .msg = "P/compose.yaml:5:9: volumes: type volume takes a volume name, not ./d"},
    {"long form with an unknown type",
     "services:\n  web:\n" IMG "    volumes:\n      - {type: nfs, source: d, target: /d}\n",
     .rc = 2, .msg = "P/compose.yaml:5:9: volumes: unknown type nfs (volume, bind or tmpfs)"},
    {"long form tmpfs with size and mode",
     "services:\n  web:\n" IMG
     "    volumes:\n      - {type: tmpfs, target: /t, tmpfs: {size: 1m, mode: 1770}}\n"
     "    tmpfs: [/run, \"/x:size=10m\"]\n",
     .want = {"warnings=", "web.tmpfs=/t:rw,size=1m,mode=1770 /run /x:size=10m"}},
    {"a tmpfs over a volume's target",
     "services:\n  web:\n" IMG "    volumes: [/t]\n    tmpfs: [/t]\n", .rc = 2,
     .msg = "P/compose.yaml:5:13: tmpfs: /t is mounted twice"},
    {"a bad tmpfs option", "services:\n  web:\n" IMG "    tmpfs: \"/t:sise=1m\"\n", .rc = 2,
     .msg = "P/compose.yaml:4:12: tmpfs: bad tmpfs '/t:sise=1m': unknown option 'sise'; did "
	    "you mean size?"},
    {"capabilities and ulimits",
     "services:\n  web:\n" IMG "    cap_add: [net_admin, CAP_SYS_PTRACE]\n"
     "    cap_drop: [ALL]\n    ulimits: {nofile: {soft: 10, hard: 20}, nproc: 5}\n",
     .want = {"web.caps=net_admin,CAP_SYS_PTRACE/ALL", "web.ulimits=nofile=10:20 nproc=5:5"}},
    {"devices: short, long and CDI forms",
     "services:\n  web:\n" IMG "    devices:\n      - /dev/null:/dev/mynull:rw\n"
     "      - {source: /dev/zero, target: /dev/z, permissions: r}\n"
     "      - example.com/test=null\n",
     .want = {"warnings=",
	      "web.devices=/dev/null:/dev/mynull:rw /dev/zero:/dev/z:r example.com/test=null"}},
    {"devices: a bad one", "services:\n  web:\n" IMG "    devices: [\"dev/null\"]\n", .rc = 2,
     .msg = "P/compose.yaml:4:15: devices: bad device 'dev/null': not an absolute path "
	    "(expected /dev/HOST[:/dev/CONTAINER][:rwm] or a CDI name such as "
	    "vendor.com/class=name)"},
    {"ulimit soft above hard",
     "services:\n  web:\n" IMG "    ulimits: {nofile: {soft: 30, hard: 20}}\n", .rc = 2,
     .msg = "P/compose.yaml:4:23: ulimits: bad ulimit 'nofile=30:20': the soft limit 30 is "
	    "above the hard limit 20"},
};

TEST(volumes)
{
	run_cases(volume_cases, ARRAY_SIZE(volume_cases), tap_failed);
}

/* depends_on: compose-go types/types.go ServiceDependency,
 * loader/validate.go checkConsistency. */
static const struct ccase dep_cases[] = {
    {"list and map with conditions, the start order",
     "services:\n  web:\n" IMG "    depends_on:\n      db: {condition: service_healthy}\n"
     "      cache:\n        condition: service_started\n      init:\n"
     "        condition: service_completed_successfully\n"
     "  db:\n" IMG "    healthcheck: {test: [CMD, x]}\n  cache:\n" IMG "    depends_on: [db]\n"
     "  init:\n" IMG,
     .want = {"web.deps=db:healthy cache:started init:completed", "cache.deps=db:started",
	      "services=db cache init web"}},
    {"required: false and the service is missing",
     "services:\n  web:\n" IMG "    depends_on:\n      db: {condition: service_started, "
     "required: false}\n",
     .want = {"web.deps=", "services=web"}},
    {"required: false and the service's profile is off",
     "services:\n  web:\n" IMG "    depends_on:\n      db: {condition: service_started, "
     "required: false}\n  db:\n" IMG "    profiles: [debug]\n",
     .want = {"web.deps=", "services=web"}},
    {"an unknown service, did you mean",
     "services:\n  web:\n" IMG "    depends_on: [dbb]\n  db:\n" IMG, .rc = 2,
     .msg = "P/compose.yaml:4:18: depends_on: no service dbb (did you mean db?)"},
    {"depends_on: an unknown key",
     "services:\n  web:\n" IMG
     "    depends_on:\n      db: {condtion: service_healthy}\n  db:\n" IMG,
     .rc = 2,
     .msg = "P/compose.yaml:5:22: depends_on: unknown key condtion (did you mean condition?)"},
    {"a bad condition",
     "services:\n  web:\n" IMG "    depends_on:\n      db: {condition: healthy}\n  db:\n" IMG,
     .rc = 2,
     .msg = "P/compose.yaml:5:23: depends_on.db.condition: expected service_started, "
	    "service_healthy or service_completed_successfully"},
    {"waiting for a service with no check: the image's is looked for at up",
     "services:\n  web:\n" IMG "    depends_on:\n      db: {condition: service_healthy}\n"
     "  db:\n" IMG,
     .want = {"web.deps=db:healthy", "db.health=none"}},
    {"waiting for a service whose check is disabled",
     "services:\n  web:\n" IMG "    depends_on:\n      db: {condition: service_healthy}\n"
     "  db:\n" IMG "    healthcheck: {disable: true}\n",
     .rc = 2,
     .msg = "P/compose.yaml:5:11: service web waits for db to be healthy, but db's health "
	    "check is disabled"},
    {"a cycle", "services:\n  a:\n" IMG "    depends_on: [b]\n  b:\n" IMG "    depends_on: [a]\n",
     .rc = 2, .msg = "P/compose.yaml:7:18: dependency cycle: a -> b -> a"},
    {"itself", "services:\n  a:\n" IMG "    depends_on: [a]\n", .rc = 2,
     .msg = "P/compose.yaml:4:18: dependency cycle: a -> a"},
};

TEST(depends_on)
{
	run_cases(dep_cases, ARRAY_SIZE(dep_cases), tap_failed);
}

/* healthcheck: spec.md and compose-go types.HealthCheckConfig. */
static const struct ccase health_cases[] = {
    {"string, CMD, CMD-SHELL",
     "services:\n  a:\n" IMG "    healthcheck: {test: \"pg_isready -q\"}\n"
     "  b:\n" IMG "    healthcheck:\n      test: [CMD, curl, -f, http://x]\n"
     "      interval: 1m30s\n      timeout: 500ms\n      retries: 5\n"
     "      start_period: 1h\n"
     "  c:\n" IMG "    healthcheck: {test: [CMD-SHELL, \"exit 0\"]}\n",
     .want = {"a.health=/bin/sh,-c,pg_isready -q i=0 t=0 r=0 s=0",
	      "b.health=curl,-f,http://x i=90000 t=500 r=5 s=3600000",
	      "c.health=/bin/sh,-c,exit 0 i=0 t=0 r=0 s=0"}},
    {"NONE and disable",
     "services:\n  a:\n" IMG "    healthcheck: {test: [NONE]}\n  b:\n" IMG
     "    healthcheck: {test: [CMD, x], disable: true}\n",
     .want = {"a.health=off", "b.health=off"}},
    {"timings without a test: kept for the image's check",
     "services:\n  a:\n" IMG "    healthcheck: {interval: 5s}\n", .want = {"a.health=none i-only"}},
    {"healthcheck: an unknown key", "services:\n  a:\n" IMG "    healthcheck: {tset: [CMD, x]}\n",
     .rc = 2, .msg = "P/compose.yaml:4:25: healthcheck: unknown key tset (did you mean test?)"},
    {"healthcheck: x- keys pass",
     "services:\n  a:\n" IMG "    healthcheck: {test: [CMD, x], x-why: it}\n",
     .want = {"a.health=x i=0 t=0 r=0 s=0"}},
    {"a bad duration", "services:\n  a:\n" IMG "    healthcheck: {test: [CMD, x], interval: 10}\n",
     .rc = 2, .msg = "P/compose.yaml:4:45: interval: expected a duration (e.g. 10s, 1m30s)"},
    {"bad retries", "services:\n  a:\n" IMG "    healthcheck: {test: [CMD, x], retries: -1}\n",
     .rc = 2, .msg = "P/compose.yaml:4:44: retries: expected a number"},
    {"a bad test form", "services:\n  a:\n" IMG "    healthcheck: {test: [curl, x]}\n", .rc = 2,
     .msg = "P/compose.yaml:4:25: healthcheck.test: expected [CMD, ARG...], [CMD-SHELL, "
	    "TEXT] or [NONE]"},
};

TEST(healthcheck)
{
	run_cases(health_cases, ARRAY_SIZE(health_cases), tap_failed);
}

/* The other service keys. */
static const struct ccase key_cases[] = {
    {"restart values",
     "services:\n  a:\n" IMG "    restart: no\n  b:\n" IMG "    restart: always\n  c:\n" IMG
     "    restart: on-failure:3\n  d:\n" IMG "    restart: unless-stopped\n",
     .want = {"a.restart=no", "b.restart=always", "c.restart=on-failure",
	      "d.restart=unless-stopped",
	      "warnings=P/compose.yaml:10:14: service c: restart on-failure:3: the count is "
	      "ignored: clan restarts it after every failure"}},
    {"on-failure with a bad count", "services:\n  a:\n" IMG "    restart: on-failure:x\n", .rc = 2,
     .msg = "P/compose.yaml:4:14: restart: expected no, always, on-failure[:N] or "
	    "unless-stopped"},
    {"a bad restart", "services:\n  a:\n" IMG "    restart: sometimes\n", .rc = 2,
     .msg = "P/compose.yaml:4:14: restart: expected no, always, on-failure[:N] or "
	    "unless-stopped"},
    {"stop_signal, stop_grace_period, user, working_dir, hostname, init",
     "services:\n  a:\n" IMG "    stop_signal: SIGINT\n    stop_grace_period: 1m\n"
     "    user: \"1000:1000\"\n    working_dir: /app\n    hostname: box\n    init: true\n",
     .want = {"a.signal=SIGINT", "a.grace=60000", "a.user=1000:1000", "a.workdir=/app",
	      "a.hostname=box", "a.init=true"}},
    {"a bad stop_signal", "services:\n  a:\n" IMG "    stop_signal: SIGFOO\n", .rc = 2,
     .msg = "P/compose.yaml:4:18: stop_signal: unknown signal 'SIGFOO' (did you mean SIGFPE?)"},
    {"working_dir relative", "services:\n  a:\n" IMG "    working_dir: app\n", .rc = 2,
     .msg = "P/compose.yaml:4:18: working_dir: expected an absolute path"},
    {"command and entrypoint, string and list",
     "services:\n  a:\n" IMG "    command: echo \"a b\" c\n    entrypoint: [/bin/sh, -c]\n",
     .want = {"a.command=echo,a b,c", "a.entrypoint=/bin/sh,-c"}},
    {"an empty entrypoint or command",
     "services:\n  a:\n" IMG "    entrypoint: \"\"\n  b:\n" IMG "    entrypoint: []\n"
     "  c:\n" IMG "    command: []\n  d:\n" IMG "    command: \"\"\n",
     .want = {"a.entrypoint=", "a.epset=true", "b.epset=true", "c.epset=false",
	      "c.command=", "d.command="}},
    {"extra_hosts list and map",
     "services:\n  a:\n" IMG "    extra_hosts: [\"db:10.0.0.1\", \"v6:::1\"]\n  b:\n" IMG
     "    extra_hosts:\n      db: 10.0.0.2\n",
     .want = {"a.hosts=10.0.0.1\tdb,::1\tv6", "b.hosts=10.0.0.2\tdb"}},
    {"networks list and map with aliases, container_name",
     "services:\n  a:\n" IMG "    container_name: a-box\n    networks:\n      front:\n"
     "        aliases: [api, www]\n      default:\n  b:\n" IMG "    networks: [front]\n"
     "networks:\n  front:\n",
     .want = {"a.aliases=a-box api www", "b.aliases="}},
    {"networks: an unknown key",
     "services:\n  a:\n" IMG "    networks:\n      front: {alias: [x]}\nnetworks: {front: }\n",
     .rc = 2, .msg = "P/compose.yaml:5:22: networks: unknown key alias (did you mean aliases?)"},
    {"an undeclared network", "services:\n  a:\n" IMG "    networks: [back]\n", .rc = 2,
     .msg = "P/compose.yaml:4:16: service a: network back is not declared under the "
	    "top-level networks:"},
    {"container_name that is another service's name",
     "services:\n  a:\n" IMG "    container_name: b\n  b:\n" IMG, .rc = 2,
     .msg = "P/compose.yaml:4:21: alias b of a is the name of a service"},
    {"secrets and configs from files, targets",
     "services:\n  a:\n" IMG "    secrets:\n      - pw\n      - {source: key, target: k.txt}\n"
     "    configs:\n      - cfg\n      - {source: cfg, target: /etc/app.conf}\n"
     "secrets:\n  pw: {file: ./pw.txt}\n  key: {file: key.txt}\n"
     "configs:\n  cfg: {file: ./app.conf}\n",
     .extra = {"pw.txt", "x", "key.txt", "y", "app.conf", "z"},
     .want = {"a.mounts=bind:P/pw.txt:/run/secrets/pw:ro bind:P/key.txt:/run/secrets/k.txt:ro "
	      "bind:P/app.conf:/cfg:ro bind:P/app.conf:/etc/app.conf:ro"}},
    {"a secret's missing file",
     "services:\n  a:\n" IMG "    secrets: [pw]\nsecrets:\n  pw: {file: ./pw.txt}\n", .rc = 2,
     .msg = "P/compose.yaml:4:15: volumes: bind source ./pw.txt: No such file or directory"},
    {"secrets long form: an unknown key",
     "services:\n  a:\n" IMG "    secrets: [{source: pw, tagret: /pw}]\n"
     "secrets:\n  pw: {file: ./pw.txt}\n",
     .extra = {"pw.txt", "x"}, .rc = 2,
     .msg = "P/compose.yaml:4:36: secrets: unknown key tagret (did you mean target?)"},
    {"an undeclared secret", "services:\n  a:\n" IMG "    secrets: [pw]\n", .rc = 2,
     .msg = "P/compose.yaml:4:15: service a uses secrets pw, not declared under the "
	    "top-level secrets:"},
    {"platform", "services:\n  a:\n" IMG "    platform: linux/arm64\n", .rc = 2,
     .msg = "P/compose.yaml:4:15: platform linux/arm64: clan runs linux/amd64 images only"},
    {"platform amd64", "services:\n  a:\n" IMG "    platform: linux/amd64\n",
     .want = {"a.image=alpine"}},
    {"pull_policy",
     "services:\n  a:\n" IMG "    pull_policy: missing\n  b:\n" IMG "    pull_policy: always\n",
     .want = {"warnings=P/compose.yaml:7:18: pull_policy always: clan pulls a missing image "
	      "only (clan pull updates it)"}},
    {"pull_policy: a bad value", "services:\n  a:\n" IMG "    pull_policy: sometimes\n", .rc = 2,
     .msg = "P/compose.yaml:4:18: pull_policy: expected always, never, missing or build"},
    {"security_opt",
     "services:\n  a:\n" IMG "    security_opt: [\"seccomp=unconfined\", \"label=disable\"]\n",
     .want = {"a.seccomp=unconfined",
	      "warnings=P/compose.yaml:4:42: security_opt label=disable: ignored (no LSM "
	      "profiles)"}},
    {"build: a dir names the image PROJECT-SERVICE", "services:\n  a:\n    build: .\n",
     .want = {"a.image=proj-a"}},
    {"build: a map, image: names it",
     "services:\n  a:\n    image: app:1\n    build:\n      context: ctx\n      dockerfile: "
     "D.dev\n      args: {V: 1}\n      target: dev\n      cache_from: [x]\n",
     .want = {"a.image=app:1",
	      "warnings=P/compose.yaml:9:19: service a: build.cache_from is ignored: clan builds "
	      "without it"}},
    {"build: a remote context is refused",
     "services:\n  a:\n    build: https://example.invalid/r.git\n", .rc = 2,
     .msg = "P/compose.yaml:3:12: build: a remote context (https://example.invalid/r.git) is "
	    "not supported; clone it and give the dir"},
    {"build: an empty context", "services:\n  a:\n    build: \"\"\n", .rc = 2,
     .msg = "P/compose.yaml:3:12: build: expected a context dir"},
    {"build.args: not a list", "services:\n  a:\n    build:\n      args: 3\n", .rc = 2,
     .msg = "P/compose.yaml:4:13: build.args: expected a mapping or a list of KEY=VALUE"},
    {"no image", "services:\n  a:\n    command: x\n", .rc = 2,
     .msg = "P/compose.yaml:3:5: service a has no image: set image: (e.g. postgres:15) or "
	    "build: (a dir with a Dockerfile)"},
    {"an unknown key, did you mean", "services:\n  a:\n" IMG "    enviroment: {A: 1}\n", .rc = 2,
     .msg = "P/compose.yaml:4:17: service a: unknown key enviroment (did you mean "
	    "environment?)"},
    {"an unknown top-level key", "services:\n  a:\n" IMG "volume:\n  d:\n", .rc = 2,
     .msg = "P/compose.yaml:5:3: unknown top-level key volume (did you mean volumes?)"},
    {"warned keys: one warning each, x- keys ignored",
     "version: \"3.8\"\nx-common: &c {A: 1}\nservices:\n  a:\n" IMG
     "    x-note: hi\n    deploy: {replicas: 2}\n    mem_limit: 1g\n",
     .want = {"warnings=P/compose.yaml:1:10: version: it is obsolete: compose ignores it too\n"
	      "P/compose.yaml:7:13: service a: deploy is ignored: clan runs one container per "
	      "service on this machine\n"
	      "P/compose.yaml:8:16: service a: mem_limit is ignored: resource limits need "
	      "cgroups, which a rootless clan does not manage"}},
    {"anchors and merge keys",
     "x-env: &env {A: 1, B: 2}\nservices:\n  a:\n" IMG "    environment:\n      <<: *env\n"
     "      B: 3\n",
     .want = {"a.env=B=3 A=1"}},
};

TEST(service_keys)
{
	run_cases(key_cases, ARRAY_SIZE(key_cases), tap_failed);
}

/* profiles, project name, files: compose-go cli/options.go and
 * types/project.go WithProfiles. */
static const struct ccase project_cases[] = {
    {"profiles: off by default, on by --profile and COMPOSE_PROFILES",
     "services:\n  a:\n" IMG "  dbg:\n" IMG "    profiles: [debug]\n  t:\n" IMG
     "    profiles: [test, ci]\n",
     .shell = {"COMPOSE_PROFILES=ci"}, .args = "--profile debug", .want = {"services=a dbg t"}},
    {"profiles off", "services:\n  a:\n" IMG "  dbg:\n" IMG "    profiles: [debug]\n",
     .want = {"services=a"}},
    {"profile '*' turns them all on",
     "services:\n  a:\n" IMG "  dbg:\n" IMG "    profiles: [debug]\n", .args = "--profile *",
     .want = {"services=a dbg"}},
    {"the dir's name", "services:\n  a:\n" IMG, .want = {"name=proj"}},
    {"name: beats the dir", "name: My_App\nservices:\n  a:\n" IMG, .want = {"name=my_app"}},
    {"COMPOSE_PROJECT_NAME beats name:", "name: file\nservices:\n  a:\n" IMG,
     .shell = {"COMPOSE_PROJECT_NAME=env"}, .want = {"name=env"}},
    {"COMPOSE_PROJECT_NAME from .env", "name: file\nservices:\n  a:\n" IMG,
     .extra = {".env", "COMPOSE_PROJECT_NAME=dot\n"}, .want = {"name=dot"}},
    {"-p beats them", "name: file\nservices:\n  a:\n" IMG, .shell = {"COMPOSE_PROJECT_NAME=env"},
     .args = "-p flag", .want = {"name=flag"}},
    {"a bad -p", "services:\n  a:\n" IMG, .args = "-p Bad.Name", .rc = 2,
     .msg = "invalid project name 'Bad.Name' (-p): only lowercase letters, digits, '-' and "
	    "'_', starting with a letter or digit"},
    {"name: interpolated", "name: ${N}\nservices:\n  a:\n" IMG, .shell = {"N=from-shell"},
     .want = {"name=from-shell"}},
    {"-f two files merged",
     "services:\n  a:\n" IMG "    environment: {A: 1, B: 1}\n    ports: [\"8080:80\"]\n",
     .extra = {"b.yml", "services:\n  a:\n    environment: {B: 2}\n    ports: [\"8080:80\"]\n"},
     .args = "-f compose.yaml -f b.yml",
     .want = {"a.env=A=1 B=2", "a.ports=127.0.0.1:8080->80/tcp"}},
    {"the override file", "services:\n  a:\n" IMG "    command: [a]\n",
     .extra = {"compose.override.yaml", "services:\n  a:\n    command: [b]\n"},
     .want = {"a.command=b"}},
    {"an error in the second file names it", "services:\n  a:\n" IMG,
     .extra = {"b.yml", "services:\n  a:\n    depends_on: [nope]\n"},
     .args = "-f compose.yaml -f b.yml", .rc = 2, .msg = "b.yml:3:18: depends_on: no service nope"},
    {"no services", "name: x\n", .rc = 2,
     .msg = "P/compose.yaml:1:1: no services: a compose file needs services:"},
    {"an empty file", "", .rc = 2, .msg = "P/compose.yaml: the file is empty"},
    {"a list at the top", "- a\n", .rc = 2,
     .msg = "P/compose.yaml:1:1: a compose file is a mapping (services: ...)"},
    {"a service name with a slash", "services:\n  \"a/b\":\n" IMG, .rc = 2,
     .msg = "P/compose.yaml:3:5: service name 'a/b': letters, digits, _ . - starting with a "
	    "letter or digit"},
};

TEST(project)
{
	run_cases(project_cases, ARRAY_SIZE(project_cases), tap_failed);
}

/* A hostile compose file (an untrusted repository's): what would reach
 * /etc/hosts, a path or a name is refused, not passed on. */
static const struct ccase hostile_cases[] = {
    {"a newline in extra_hosts",
     "services:\n  a:\n" IMG "    extra_hosts: [\"h:1.2.3.4\\n5.6.7.8 evil\"]\n", .rc = 2,
     .msg = "P/compose.yaml:4:19: extra_hosts: expected HOST:IP or HOST=IP (e.g. db:10.0.0.2)"},
    {"a newline in a hostname", "services:\n  a:\n" IMG "    hostname: \"a\\nb\"\n", .rc = 2,
     .msg = "P/compose.yaml:4:15: hostname: expected a host name (letters, digits, - .)"},
    {"a newline in an alias", "services:\n  a:\n" IMG "    container_name: \"x\\n1.2.3.4 evil\"\n",
     .rc = 2,
     .msg = "P/compose.yaml:4:21: container_name: expected a host name (letters, digits, - _ .)"},
    {"a user with a newline", "services:\n  a:\n" IMG "    user: \"root\\nx\"\n", .rc = 2,
     .msg = "P/compose.yaml:4:11: user: expected NAME, UID, NAME:GROUP or UID:GID"},
    {"a service name that is a path", "services:\n  ../a:\n" IMG, .rc = 2,
     .msg = "P/compose.yaml:3:5: service name '../a': letters, digits, _ . - starting with a "
	    "letter or digit"},
    {"a port out of range", "services:\n  a:\n" IMG "    ports: [\"70000:80\"]\n", .rc = 2,
     .msg = "P/compose.yaml:4:13: ports: bad port '70000:80': the host port is a number from 1 to "
	    "65535 (e.g. \"8000:8000\", \"127.0.0.1:5432:5432\")"},
    {"an image with shell syntax", "services:\n  a:\n    image: \"alpine; rm -rf /\"\n", .rc = 2,
     .msg = "P/compose.yaml:3:12: image: invalid image reference 'alpine; rm -rf /': it contains "
	    "spaces or control characters"},
    {"a volume name that is a path",
     "services:\n  a:\n" IMG "    volumes: [{type: volume, source: \"a/../../b\", target: /d}]\n"
     "volumes: {\"a/../../b\": }\n",
     .rc = 2,
     .msg = "P/compose.yaml:5:24: volumes: bad volume name 'a/../../b': letters, digits, _ . - "
	    "starting with a letter or digit"},
    {"a working_dir with ..", "services:\n  a:\n" IMG "    working_dir: /app/../..\n",
     .want = {"a.workdir=/app/../.."}},
};

TEST(hostile_files)
{
	run_cases(hostile_cases, ARRAY_SIZE(hostile_cases), tap_failed);
}

/* Sizes that would take minutes (each variable is looked for among the
 * ones before it) or gigabytes (extends copies) are refused at once. */
TEST(hostile_sizes)
{
	struct strbuf env = {0}, dot = {0}, ext = {0};
	strbuf_adds(&env, "services:\n  a:\n" IMG "    environment:\n");
	for (int i = 0; i <= DOTENV_MAX_VARS; i++) {
		char line[64];
		snprintf(line, sizeof line, "      - V%d=x\n", i);
		strbuf_adds(&env, line);
		snprintf(line, sizeof line, "V%d=x\n", i);
		strbuf_adds(&dot, line);
	}
	strbuf_adds(&ext, "services:\n  a:\n" IMG "    environment:\n");
	for (int i = 0; i < 5000; i++) {
		char line[64];
		snprintf(line, sizeof line, "      - V%d=x\n", i);
		strbuf_adds(&ext, line);
	}
	for (int i = 0; i < 500; i++) {
		char line[64];
		snprintf(line, sizeof line, "  s%d: {extends: a}\n", i);
		strbuf_adds(&ext, line);
	}
	char envmsg[96], dotmsg[96];
	snprintf(envmsg, sizeof envmsg, "P/compose.yaml:5:7: environment: more than %d variables",
		 DOTENV_MAX_VARS);
	snprintf(dotmsg, sizeof dotmsg, "P/.env:%d: more than %d variables in one file",
		 DOTENV_MAX_VARS + 1, DOTENV_MAX_VARS);
	const struct ccase cases[] = {
	    {"an environment over the bound", env.s, .rc = 2, .msg = envmsg},
	    {"a .env over the bound", "services:\n  a:\n" IMG, .extra = {".env", dot.s}, .rc = 2,
	     .msg = dotmsg},
	    {"extends copying millions of nodes", ext.s, .rc = 2,
	     .msg = "P/compose.yaml:5424:19: extends copies more than 2 million nodes in all: "
		    "refused (a)"},
	};
	run_cases(cases, ARRAY_SIZE(cases), tap_failed);
	strbuf_free(&env);
	strbuf_free(&dot);
	strbuf_free(&ext);
}
