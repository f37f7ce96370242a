/* One [service.NAME] section and its profile into a struct service: the
 * image (deb: packages folded in), command, user, ports, depends_on,
 * health check, restart and stop settings. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "config/cfgval.h"
#include "container/devices.h"
#include "debimage/debimage.h"
#include "image/image_ref.h"
#include "config/spec_values.h"
#include "ns/seccomp_profile.h"
#include "base/safe_path.h"
#include "config/stack_int.h"
#include "base/strbuf.h"
#include "base/suggest.h"
#include "config/words.h"

#define DEFAULT_STOP_GRACE_MS 10000

int stack_get_profile(struct load_ctx *c, const struct rc_entry *e, const struct profile **out)
{
	for (size_t i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].name, e->value) == 0) {
			*out = &c->profiles[i];
			return 0;
		}
	struct profile p;
	if (profile_load((const char *const *)c->profile_dirs.v, e->value, &p, c->err) < 0) {
		/* a bad name is this line's fault; a bad profile names its file */
		if (c->err->sys_errno == EINVAL)
			return stack_fail(c, e->line, "%s", c->err->msg);
		if (c->err->sys_errno != ENOENT)
			return -1;
		struct strv names = {0};
		profile_list((const char *const *)c->profile_dirs.v, &names);
		const char *near = suggest_nearest(e->value, (const char *const *)names.v, names.n);
		struct strbuf list = {0};
		for (size_t i = 0; i < names.n; i++) {
			strbuf_adds(&list, i ? ", " : "");
			strbuf_adds(&list, names.v[i]);
		}
		stack_fail(c, e->line, "unknown profile '%s' (%s%s%savailable: %s)", e->value,
			   near ? "did you mean " : "", near ? near : "", near ? "? " : "",
			   list.s ? list.s : "none found");
		strbuf_free(&list);
		strv_free(&names);
		return -1;
	}
	c->profiles = xrealloc(c->profiles, (c->nprofiles + 1) * sizeof *c->profiles);
	c->profiles[c->nprofiles] = p;
	*out = &c->profiles[c->nprofiles++];
	return 0;
}

static void add_package(struct strv *pkgs, const char *p)
{
	for (size_t i = 0; i < pkgs->n; i++)
		if (strcmp(pkgs->v[i], p) == 0)
			return;
	strv_push(pkgs, p);
}

/* deb:SUITE[+a,b] plus the profile's and the service's packages, in that
 * order, each once. */
static int deb_image(struct load_ctx *c, const char *image, int image_line,
		     const struct rc_section *sec, const struct profile *p, char **out)
{
	const char *plus = strchr(image + 4, '+');
	_cleanup_free_ char *suite =
	    plus ? xstrndup(image + 4, (size_t)(plus - image - 4)) : xstrdup(image + 4);
	struct strv pkgs = {0};
	int r = -1;

	if (plus) {
		_cleanup_free_ char *list = xstrdup(plus + 1);
		for (char *save = NULL, *w = strtok_r(list, ",", &save); w;
		     w = strtok_r(NULL, ",", &save))
			add_package(&pkgs, w);
	}
	for (size_t i = 0; p && i < p->deb_packages.n; i++)
		add_package(&pkgs, p->deb_packages.v[i]);
	for (size_t i = 0; i < sec->n; i++) {
		if (strcmp(sec->e[i].key, "packages") != 0)
			continue;
		_cleanup_free_ char *list = xstrdup(sec->e[i].value);
		for (char *save = NULL, *w = strtok_r(list, " \t,", &save); w;
		     w = strtok_r(NULL, " \t,", &save)) {
			if (!debimage_is_package_name(w, strlen(w))) {
				stack_fail(
				    c, sec->e[i].line,
				    "bad package name '%s' (Debian names: lowercase letters, "
				    "digits, + - .)",
				    w);
				goto out;
			}
			add_package(&pkgs, w);
		}
	}
	struct strbuf b = {0};
	strbuf_adds(&b, "deb:");
	strbuf_adds(&b, suite);
	for (size_t i = 0; i < pkgs.n; i++) {
		strbuf_adds(&b, i ? "," : "+");
		strbuf_adds(&b, pkgs.v[i]);
	}
	char *ref = strbuf_steal(&b);
	char *parsed_suite = NULL;
	struct strv parsed = {0};
	if (debimage_parse(ref, &parsed_suite, &parsed, c->err) < 0) {
		stack_fail(c, image_line, "%s", c->err->msg);
		free(ref);
		goto out;
	}
	free(parsed_suite);
	strv_free(&parsed);
	*out = ref;
	r = 0;
out:
	strv_free(&pkgs);
	return r;
}

static int resolve_image(struct load_ctx *c, const struct rc_section *sec, const struct profile *p,
			 struct service *svc, bool *is_deb)
{
	const struct rc_entry *img = rc_get(sec, "image");
	const char *image = img ? img->value : p ? p->image : NULL;
	int line = img ? img->line : sec->line;
	if (!image)
		return stack_fail(c, sec->line,
				  "service %s has no image: set image = (e.g. image = deb:bookworm "
				  "or image = postgres:15) or a profile that has one",
				  sec->service);
	*is_deb = strncmp(image, "deb:", 4) == 0;
	if (*is_deb)
		return deb_image(c, image, line, sec, p, &svc->image);
	const struct rc_entry *pk = rc_get(sec, "packages");
	if (pk)
		return stack_fail(
		    c, pk->line,
		    "packages = needs a deb: image (e.g. image = deb:bookworm), not %s", image);
	if (strncmp(image, "dir:", 4) == 0) {
		if (image[4] != '/')
			return stack_fail(c, line, "image %s: dir: takes an absolute path", image);
	} else if (strcmp(image, "host") != 0) {
		struct image_ref ref;
		if (image_ref_parse(image, &ref, c->err) < 0)
			return stack_fail(c, line, "image: %s", c->err->msg);
		image_ref_free(&ref);
	}
	svc->image = xstrdup(image);
	return 0;
}

/* The profile's value of a field: its deb: block's for a deb: image, else
 * its top level's; NULL when neither sets it. */
#define PROFILE_FIELD(deb, base, field, is_set)             \
	((deb) && is_set((deb)->field)	   ? &(deb)->field  \
	 : (base) && is_set((base)->field) ? &(base)->field \
					   : NULL)
#define STRV_SET(v) ((v).n > 0)
#define STR_SET(v) ((v) != NULL)

/* entrypoint, command, user, working_dir: the service's, else the
 * profile's. A service that sets its own entrypoint does not get the
 * profile's command (compose: a new entrypoint drops the image's CMD). */
static int process(struct load_ctx *c, const struct rc_section *sec, const struct profile *p,
		   bool is_deb, struct service *svc)
{
	const struct profile_part *deb = p && is_deb ? &p->deb : NULL;
	const struct profile_part *base = p ? &p->base : NULL;
	const struct rc_entry *entry = rc_get(sec, "entrypoint"), *e;
	const struct strv *v;
	char *const *s;

	if (entry) {
		if (words_parse_command(entry->value, "entrypoint = ", &svc->entrypoint, c->err) <
		    0)
			return stack_fail(c, entry->line, "entrypoint: %s", c->err->msg);
	} else if ((v = PROFILE_FIELD(deb, base, entrypoint, STRV_SET))) {
		strv_extend(&svc->entrypoint, v);
	}
	if ((e = rc_get(sec, "command"))) {
		if (words_parse_command(e->value, "command = ", &svc->command, c->err) < 0)
			return stack_fail(c, e->line, "command: %s", c->err->msg);
	} else if (!entry && (v = PROFILE_FIELD(deb, base, command, STRV_SET))) {
		strv_extend(&svc->command, v);
	}
	if ((e = rc_get(sec, "working_dir"))) {
		if (e->value[0] != '/')
			return stack_fail(c, e->line,
					  "working_dir must be an absolute path, not %s", e->value);
		svc->working_dir = xstrdup(e->value);
	} else if ((s = PROFILE_FIELD(deb, base, working_dir, STR_SET))) {
		svc->working_dir = xstrdup(*s);
	}
	if ((e = rc_get(sec, "user"))) {
		if (!cfg_is_user_spec(e->value))
			return stack_fail(c, e->line,
					  "bad user '%s' (NAME, UID, NAME:GROUP or UID:GID)",
					  e->value);
		svc->user = xstrdup(e->value);
	} else if ((s = PROFILE_FIELD(deb, base, user, STR_SET))) {
		svc->user = xstrdup(*s);
	}
	return 0;
}

/* port = HOST:CONTAINER in docker's -p syntax, where a bare port N means
 * N:N as the design says (port = 5432: 127.0.0.1:5432 -> 5432). */
static int ports(struct load_ctx *c, const struct rc_section *sec, const struct profile *p,
		 struct svc_build *b)
{
	struct service *svc = &b->svc;
	size_t n = 0;
	for (size_t i = 0; i < sec->n; i++)
		n += strcmp(sec->e[i].key, "port") == 0 || strcmp(sec->e[i].key, "expose") == 0;
	svc->ports = xcalloc(n + 1, sizeof *svc->ports);
	b->port_lines = xcalloc(n + 1, sizeof *b->port_lines);
	b->listen = xcalloc(n + (p ? p->nports : 0) + 1, sizeof *b->listen);
	for (size_t i = 0; i < sec->n; i++) {
		const struct rc_entry *e = &sec->e[i];
		bool expose = strcmp(e->key, "expose") == 0;
		if (!expose && strcmp(e->key, "port") != 0)
			continue;
		struct port_map m;
		if ((expose && strchr(e->value, ':')) ||
		    port_spec_parse(e->value, &m, c->err) < 0) {
			if (expose)
				return stack_fail(c, e->line,
						  "bad expose '%s': a container port (8000, "
						  "8000-8010, 53/udp)",
						  e->value);
			/* port_spec_parse speaks of -p; the .clanrc says port = */
			char *eg = strstr(c->err->msg, " (e.g. -p");
			if (eg)
				*eg = '\0';
			return stack_fail(c, e->line,
					  "%s (e.g. port = 8000, port = 8080:80, port = "
					  "127.0.0.1:5432:5432, port = 5353:53/udp)",
					  c->err->msg);
		}
		if (!expose && !strchr(e->value, ':'))
			m.host_port = m.container_port;
		b->listen[b->nlisten++] = (struct listen_port){.port = m.container_port,
							       .count = m.count,
							       .proto = m.proto,
							       .at.line = e->line};
		if (expose)
			continue;
		b->port_lines[svc->nports] = e->line;
		svc->ports[svc->nports++] = m;
	}
	/* the profile's ports count when the service names none itself */
	for (size_t i = 0; p && b->nlisten == 0 && i < p->nports; i++)
		b->listen[b->nlisten++] = (struct listen_port){.port = p->ports[i].container_port,
							       .count = p->ports[i].count,
							       .proto = p->ports[i].proto,
							       .at.line = sec->line};
	return 0;
}

static int names(struct load_ctx *c, const struct rc_section *sec, struct svc_build *b)
{
	size_t n = 0;
	for (size_t i = 0; i < sec->n; i++)
		n += strcmp(sec->e[i].key, "depends_on") == 0;
	b->dep_lines = xcalloc(n + 1, sizeof *b->dep_lines);
	for (size_t i = 0; i < sec->n; i++) {
		const struct rc_entry *e = &sec->e[i];
		bool dep = strcmp(e->key, "depends_on") == 0;
		if (!dep && strcmp(e->key, "alias") != 0)
			continue;
		if (dep && !cfg_is_name(e->value))
			return stack_fail(c, e->line,
					  "bad depends_on '%s': a name of letters, digits, - _ .",
					  e->value);
		if (!dep && !cfg_is_host_name(e->value, strlen(e->value)))
			return stack_fail(c, e->line,
					  "bad alias '%s': a host name of letters, digits, - _ . "
					  "(no part starts or ends with -)",
					  e->value);
		if (!dep) {
			strv_push(&b->svc.aliases, e->value);
			continue;
		}
		for (size_t j = 0; j < b->svc.depends_on.n; j++)
			if (strcmp(b->svc.depends_on.v[j], e->value) == 0)
				return stack_fail(c, e->line, "depends_on %s is written twice",
						  e->value);
		b->dep_lines[b->svc.depends_on.n] = e->line;
		strv_push(&b->svc.depends_on, e->value);
	}
	return 0;
}

static int health_test(struct load_ctx *c, const struct rc_entry *e, struct service *svc)
{
	const char *v = e->value;
	if (strcmp(v, "NONE") == 0 || strcmp(v, "none") == 0) {
		svc->has_health = false;
		svc->health_off = true;
		return 0;
	}
	struct strv t = {0};
	if (v[0] == '[') {
		if (words_parse_json_array(v, &t, c->err) < 0)
			return stack_fail(c, e->line, "healthcheck: %s", c->err->msg);
		bool cmd = t.n > 1 && strcmp(t.v[0], "CMD") == 0;
		bool shell = t.n == 2 && strcmp(t.v[0], "CMD-SHELL") == 0;
		if (t.n == 1 && strcmp(t.v[0], "NONE") == 0) {
			strv_free(&t);
			svc->has_health = false;
			svc->health_off = true;
			return 0;
		}
		if (!cmd && !shell) {
			strv_free(&t);
			return stack_fail(c, e->line,
					  "healthcheck: expected [\"CMD\", prog, args...], "
					  "[\"CMD-SHELL\", text] or [\"NONE\"]");
		}
		struct strv argv = {0};
		if (shell) {
			strv_push(&argv, "/bin/sh");
			strv_push(&argv, "-c");
		}
		for (size_t i = 1; i < t.n; i++)
			strv_push(&argv, t.v[i]);
		strv_free(&t);
		t = argv;
	} else {
		/* compose's string form is CMD-SHELL */
		strv_push(&t, "/bin/sh");
		strv_push(&t, "-c");
		strv_push(&t, v);
	}
	strv_free(&svc->health.test);
	svc->health.test = t;
	svc->has_health = true;
	return 0;
}

static int health(struct load_ctx *c, const struct rc_section *sec, const struct profile *p,
		  struct service *svc)
{
	static const char *const timing[] = {"healthcheck_interval", "healthcheck_timeout",
					     "healthcheck_start_period"};
	/* 0: not set (hc_timing.h's defaults apply), so an image's own
	 * check keeps its timings */
	svc->health = (struct healthcheck){0};
	if (p && p->has_health) {
		svc->health = p->health;
		svc->health.test = (struct strv){0};
		strv_extend(&svc->health.test, &p->health.test);
		/* a profile named in .clanrc is chosen, not guessed from the
		 * image: its check stays over the image's */
		svc->has_health = true;
	}
	const struct rc_entry *e = rc_get(sec, "healthcheck");
	if (e && health_test(c, e, svc) < 0)
		return -1;
	int *fields[] = {&svc->health.interval_ms, &svc->health.timeout_ms,
			 &svc->health.start_period_ms};
	for (size_t i = 0; i < ARRAY_SIZE(timing); i++) {
		const struct rc_entry *t = rc_get(sec, timing[i]);
		if (!t)
			continue;
		if (!svc->has_health)
			return stack_fail(c, t->line,
					  "%s without a health check: add healthcheck = "
					  "CMD",
					  timing[i]);
		if (duration_parse(t->value, fields[i], c->err) < 0)
			return stack_fail(c, t->line, "%s: %s", timing[i], c->err->msg);
	}
	if ((e = rc_get(sec, "healthcheck_retries"))) {
		uint32_t n;
		if (!svc->has_health)
			return stack_fail(c, e->line,
					  "healthcheck_retries without a health check: add "
					  "healthcheck = CMD");
		if (!parse_u32(e->value, &n) || n < 1 || n > 1000000)
			return stack_fail(
			    c, e->line, "healthcheck_retries: '%s' is not a number >= 1", e->value);
		svc->health.retries = (int)n;
	}
	const struct rc_entry *iv = rc_get(sec, "healthcheck_interval");
	if (iv && svc->health.interval_ms < 1)
		return stack_fail(c, iv->line, "healthcheck_interval must be at least 1ms");
	return 0;
}

static int stop_and_restart(struct load_ctx *c, const struct rc_section *sec,
			    const struct profile *p, struct service *svc)
{
	const struct rc_entry *e;
	svc->restart = RESTART_NO;
	svc->stop_grace_ms = p && p->stop_grace_ms >= 0 ? p->stop_grace_ms : DEFAULT_STOP_GRACE_MS;
	svc->stop_signal = p && p->stop_signal ? p->stop_signal : SIGTERM;
	if ((e = rc_get(sec, "restart")) && restart_parse(e->value, &svc->restart, c->err) < 0)
		return stack_fail(c, e->line, "%s", c->err->msg);
	if ((e = rc_get(sec, "stop_grace_period")) &&
	    duration_parse(e->value, &svc->stop_grace_ms, c->err) < 0)
		return stack_fail(c, e->line, "stop_grace_period: %s", c->err->msg);
	if ((e = rc_get(sec, "stop_signal")) &&
	    signal_parse(e->value, &svc->stop_signal, c->err) < 0)
		return stack_fail(c, e->line, "stop_signal: %s", c->err->msg);
	return 0;
}

/* A profile's secrets go into its service's environment, under what the
 * profile sets and the .clanrc adds. */
static int profile_secret_env(struct load_ctx *c, const struct profile *p, struct strv *env)
{
	for (size_t i = 0; i < p->secrets.n; i++) {
		const char *v;
		if (stack_secret(c, p->secrets.v[i], &v) < 0)
			return -1;
		if (v)
			strv_push_owned(env, xasprintf("%s=%s", p->secrets.v[i], v));
	}
	return 0;
}

/* security_opt: docker's --security-opt values; a profile file is
 * relative to the project dir and read now, so a bad one stops the load. */
static int security(struct load_ctx *c, const struct rc_section *sec, struct service *svc)
{
	for (size_t i = 0; i < sec->n; i++) {
		const struct rc_entry *e = &sec->e[i];
		if (strcmp(e->key, "security_opt") != 0)
			continue;
		const char *why = security_opt_parse(e->value, &svc->seccomp);
		if (why)
			return stack_fail(c, e->line, "bad security_opt '%s': %s", e->value, why);
		if (!svc->seccomp || strcmp(svc->seccomp, "unconfined") == 0)
			continue;
		if (svc->seccomp[0] != '/') {
			char *abs = xasprintf("%s/%s", c->st->dir, svc->seccomp);
			free(svc->seccomp);
			svc->seccomp = abs;
		}
		struct seccomp_profile p;
		if (seccomp_profile_load(svc->seccomp, &p, c->err) < 0)
			return stack_fail(c, e->line, "security_opt: %s", c->err->msg);
		seccomp_profile_free(&p);
	}
	return 0;
}

/* device = /dev/X[:/dev/Y][:rwm] or a CDI name, one per line, as
 * compose's devices: */
static int devices(struct load_ctx *c, const struct rc_section *sec, struct service *svc)
{
	for (size_t i = 0; i < sec->n; i++) {
		const struct rc_entry *e = &sec->e[i];
		if (strcmp(e->key, "device") != 0)
			continue;
		if (device_req_check(e->value, NULL, c->err) < 0)
			return stack_fail(c, e->line, "%s", c->err->msg);
		strv_push(&svc->devices, e->value);
	}
	return 0;
}

/* build = DIR (with dockerfile =, build_arg = K=V..., target =): the
 * image is built from DIR's Dockerfile and tagged as image = (a registry
 * name), else PROJECT-SERVICE, as compose names it. */
static int build_spec(struct load_ctx *c, const struct rc_section *sec, struct service *svc)
{
	const struct rc_entry *e = rc_get(sec, "build");
	static const char *const needs_build[] = {"dockerfile", "build_arg", "target"};
	for (size_t i = 0; !e && i < ARRAY_SIZE(needs_build); i++) {
		const struct rc_entry *o = rc_get(sec, needs_build[i]);
		if (o)
			return stack_fail(c, o->line, "%s = needs build = DIR (the build context)",
					  needs_build[i]);
	}
	if (!e)
		return 0;
	const struct rc_entry *pk = rc_get(sec, "packages");
	if (pk)
		return stack_fail(c, pk->line, "packages = is for deb: images, not with build =");
	struct svc_image_build *ib = xcalloc(1, sizeof *ib);
	svc->build = ib;
	ib->context = path_under(c->st->dir, e->value);
	const struct rc_entry *df = rc_get(sec, "dockerfile");
	if (df)
		ib->dockerfile = path_under(ib->context, df->value);
	const struct rc_entry *t = rc_get(sec, "target");
	if (t)
		ib->target = xstrdup(t->value);
	for (size_t i = 0; i < sec->n; i++)
		if (strcmp(sec->e[i].key, "build_arg") == 0)
			strv_push(&ib->args, sec->e[i].value);
	const struct rc_entry *img = rc_get(sec, "image");
	if (!img) {
		svc->image = xasprintf("%s-%s", c->st->name, sec->service);
		ib->image_default = true;
		return 0;
	}
	struct image_ref ref;
	if (strncmp(img->value, "deb:", 4) == 0 || strncmp(img->value, "dir:", 4) == 0 ||
	    image_ref_parse(img->value, &ref, c->err) < 0)
		return stack_fail(c, img->line,
				  "image = %s: with build =, image names the built image (e.g. "
				  "image = myapp:dev)",
				  img->value);
	image_ref_free(&ref);
	svc->image = xstrdup(img->value);
	return 0;
}

int stack_build_service(struct load_ctx *c, const struct rc_section *sec, struct svc_build *b)
{
	struct service *svc = &b->svc;
	const struct profile *p = NULL;
	const struct rc_entry *e;
	bool is_deb = false;

	b->sec = sec;
	svc->name = xstrdup(sec->service);
	svc->loc = (struct src_loc){c->rc_file, sec->line};
	if (build_spec(c, sec, svc) < 0)
		return -1;
	if ((e = rc_get(sec, "profile"))) {
		if (stack_get_profile(c, e, &p) < 0)
			return -1;
		svc->profile = xstrdup(p->name);
	}
	if ((!svc->build && resolve_image(c, sec, p, svc, &is_deb) < 0) ||
	    process(c, sec, p, is_deb, svc) < 0)
		return -1;
	struct strv penv = {0};
	if (p)
		strv_extend(&penv, &p->base.environment);
	if (p && is_deb)
		strv_extend(&penv, &p->deb.environment);
	if (p && profile_secret_env(c, p, &penv) < 0) {
		strv_free(&penv);
		return -1;
	}
	int r = stack_build_env(c, sec, &penv, &svc->environment);
	strv_free(&penv);
	if (r < 0 || ports(c, sec, p, b) < 0 || stack_build_mounts(c, sec, p, svc) < 0 ||
	    names(c, sec, b) < 0 || health(c, sec, p, svc) < 0 ||
	    stop_and_restart(c, sec, p, svc) < 0 || security(c, sec, svc) < 0 ||
	    devices(c, sec, svc) < 0)
		return -1;
	return 0;
}

static void image_build_free(struct svc_image_build *b)
{
	if (!b)
		return;
	free(b->context);
	free(b->dockerfile);
	free(b->inline_text);
	strv_free(&b->args);
	free(b->target);
	free(b);
}

void service_free(struct service *s)
{
	free(s->listen_tcp);
	image_build_free(s->build);
	free(s->image_id);
	free(s->name);
	free(s->profile);
	free(s->image);
	strv_free(&s->entrypoint);
	strv_free(&s->command);
	free(s->working_dir);
	free(s->user);
	free(s->single_user);
	strv_free(&s->environment);
	free(s->ports);
	free(s->port_lines);
	for (size_t i = 0; i < s->nmounts; i++) {
		free(s->mounts[i].volume);
		free(s->mounts[i].volume_name);
		free(s->mounts[i].src);
		free(s->mounts[i].dst);
	}
	free(s->mounts);
	strv_free(&s->depends_on);
	free(s->dep_conds);
	free(s->hostname);
	strv_free(&s->extra_hosts);
	strv_free(&s->labels);
	strv_free(&s->tmpfs);
	strv_free(&s->cap_add);
	strv_free(&s->cap_drop);
	strv_free(&s->ulimits);
	strv_free(&s->devices);
	strv_free(&s->aliases);
	strv_free(&s->health.test);
	free(s->seccomp);
	*s = (struct service){0};
}

void svc_listen_add(struct service *s, uint16_t port, uint16_t count)
{
	/* a range counts by its first ports: enough to see it listened on */
	for (uint16_t k = 0; k < count && k < 16 && s->nlisten_tcp < 64; k++) {
		uint16_t p = (uint16_t)(port + k);
		bool seen = false;
		for (size_t i = 0; i < s->nlisten_tcp && !seen; i++)
			seen = s->listen_tcp[i] == p;
		if (seen)
			continue;
		s->listen_tcp =
		    xrealloc(s->listen_tcp, (s->nlisten_tcp + 1) * sizeof *s->listen_tcp);
		s->listen_tcp[s->nlisten_tcp++] = p;
	}
}

void svc_build_free(struct svc_build *b)
{
	service_free(&b->svc);
	free(b->dep_lines);
	free(b->dep_at);
	free(b->port_at);
	free(b->alias_at);
	free(b->port_lines);
	free(b->listen);
	*b = (struct svc_build){0};
}
