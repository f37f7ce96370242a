/* stack_print: the resolved stack as YAML in the shape of `docker compose
 * config`, through libyaml's emitter (correct quoting of any value).
 * Deterministic: services in start order, keys in a fixed order. */
#define _GNU_SOURCE
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "config/cfgval.h"
#include "config/stack.h"
#include "base/strbuf.h"
#include "base/util.h"

struct out {
	yaml_emitter_t em;
	bool failed;
};

/* ok: whether the event was made (libyaml refuses bad UTF-8 without
 * touching the event). The emitter owns a made event, also on failure. */
static void emit(struct out *o, yaml_event_t *ev, int ok)
{
	if (!ok)
		o->failed = true;
	else if (o->failed)
		yaml_event_delete(ev);
	else if (!yaml_emitter_emit(&o->em, ev))
		o->failed = true;
}

/* The length of the UTF-8 sequence at p as libyaml accepts it, 0 if bad. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] < 0x80		   ? 1
		   : (p[0] & 0xe0) == 0xc0 ? 2
		   : (p[0] & 0xf0) == 0xe0 ? 3
		   : (p[0] & 0xf8) == 0xf0 ? 4
					   : 0;
	unsigned long c = n == 1 ? p[0] : n == 2 ? p[0] & 0x1f : n == 3 ? p[0] & 0x0f : p[0] & 0x07;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if (n == 0 || (n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

/* YAML is UTF-8: a value that is not (an env_file in Latin-1) shows its
 * bad bytes as U+FFFD. */
static char *valid_utf8(const char *s)
{
	struct strbuf b = {0};
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_len(p);
		if (n) {
			strbuf_addn(&b, (const char *)p, n);
			p += n;
		} else {
			strbuf_adds(&b, "\xef\xbf\xbd");
			p++;
		}
	}
	return strbuf_steal(&b);
}

/* Plain scalars that a YAML 1.1 reader takes for something other than a
 * string: restart: no would be false, PYTHONUNBUFFERED: 1 a number. */
static bool looks_typed(const char *s)
{
	static const char *const words[] = {"y",   "yes",  "n", "no",	"true",	 "false", "on",
					    "off", "null", "~", ".inf", "-.inf", ".nan"};
	if (!*s)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	/* anything number-like (1, 0.5, 1e3, 0x1f, 1:30): quoting too much is
	 * harmless, too little changes the value */
	const char *p = s + (*s == '-' || *s == '+' || *s == '.');
	return isdigit((unsigned char)*p) &&
	       strspn(s, "0123456789abcdefABCDEFxXoO.+-_:") == strlen(s);
}

static void str(struct out *o, const char *s)
{
	yaml_event_t ev;
	_cleanup_free_ char *text = valid_utf8(s);
	/* a script reads best as a literal block */
	yaml_scalar_style_t style = strchr(text, '\n')	? YAML_LITERAL_SCALAR_STYLE
				    : looks_typed(text) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
							: YAML_ANY_SCALAR_STYLE;
	emit(o, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
					  1, 1, style));
}

static void map_start(struct out *o, bool flow)
{
	yaml_event_t ev;
	emit(o, &ev,
	     yaml_mapping_start_event_initialize(
		 &ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void map_end(struct out *o)
{
	yaml_event_t ev;
	emit(o, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void list_start(struct out *o)
{
	yaml_event_t ev;
	emit(o, &ev,
	     yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE));
}

static void list_end(struct out *o)
{
	yaml_event_t ev;
	emit(o, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void kv(struct out *o, const char *k, const char *v)
{
	if (!v)
		return;
	str(o, k);
	str(o, v);
}

static void kv_list(struct out *o, const char *k, const struct strv *v)
{
	if (v->n == 0)
		return;
	str(o, k);
	list_start(o);
	for (size_t i = 0; i < v->n; i++)
		str(o, v->v[i]);
	list_end(o);
}

static void kv_duration(struct out *o, const char *k, int ms)
{
	char buf[32];
	duration_format(ms, buf, sizeof buf);
	kv(o, k, buf);
}

static void environment(struct out *o, const struct strv *env)
{
	if (env->n == 0)
		return;
	str(o, "environment");
	map_start(o, false);
	for (size_t i = 0; i < env->n; i++) {
		const char *eq = strchr(env->v[i], '=');
		char *k = strndup(env->v[i], (size_t)(eq - env->v[i]));
		kv(o, k ? k : "", eq + 1);
		free(k);
	}
	map_end(o);
}

static void ports(struct out *o, const struct service *s)
{
	if (s->nports == 0)
		return;
	str(o, "ports");
	list_start(o);
	for (size_t i = 0; i < s->nports; i++) {
		/* "127.0.0.1:5432->5432/tcp" into -p syntax "127.0.0.1:5432:5432/tcp" */
		char shown[160], *arrow;
		port_map_format(&s->ports[i], shown, sizeof shown);
		if ((arrow = strstr(shown, "->"))) {
			arrow[0] = ':';
			memmove(arrow + 1, arrow + 2, strlen(arrow + 2) + 1);
		}
		str(o, shown);
	}
	list_end(o);
}

static void mounts(struct out *o, const struct service *s)
{
	if (s->nmounts == 0)
		return;
	str(o, "volumes");
	list_start(o);
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct svc_mount *m = &s->mounts[i];
		char *v = xasprintf("%s:%s%s", m->volume ? m->volume : m->src, m->dst,
				    m->ro ? ":ro" : "");
		str(o, v);
		free(v);
	}
	list_end(o);
}

static void health(struct out *o, const struct service *s)
{
	if (!s->has_health)
		return;
	char retries[16];
	snprintf(retries, sizeof retries, "%d", s->health.retries);
	str(o, "healthcheck");
	map_start(o, false);
	kv_list(o, "test", &s->health.test);
	kv_duration(o, "interval", s->health.interval_ms);
	kv_duration(o, "timeout", s->health.timeout_ms);
	kv(o, "retries", retries);
	kv_duration(o, "start_period", s->health.start_period_ms);
	map_end(o);
}

static void service(struct out *o, const struct service *s)
{
	char sig[32];
	str(o, s->name);
	map_start(o, false);
	kv(o, "profile", s->profile);
	kv(o, "image", s->image);
	kv_list(o, "entrypoint", &s->entrypoint);
	kv_list(o, "command", &s->command);
	kv(o, "working_dir", s->working_dir);
	kv(o, "user", s->user);
	environment(o, &s->environment);
	ports(o, s);
	mounts(o, s);
	kv_list(o, "depends_on", &s->depends_on);
	if (s->aliases.n) {
		/* where compose keeps them */
		str(o, "networks");
		map_start(o, false);
		str(o, "default");
		map_start(o, false);
		kv_list(o, "aliases", &s->aliases);
		map_end(o);
		map_end(o);
	}
	health(o, s);
	kv(o, "restart", restart_name(s->restart));
	kv_duration(o, "stop_grace_period", s->stop_grace_ms);
	signal_format(s->stop_signal, sig, sizeof sig);
	kv(o, "stop_signal", sig);
	if (s->seccomp) {
		struct strv opts = {0};
		strv_push_owned(&opts, xasprintf("seccomp=%s", s->seccomp));
		kv_list(o, "security_opt", &opts);
		strv_free(&opts);
	}
	map_end(o);
}

void stack_print(const struct stack *s, FILE *f)
{
	struct out o = {0};
	yaml_event_t ev;
	if (!yaml_emitter_initialize(&o.em))
		return;
	yaml_emitter_set_output_file(&o.em, f);
	yaml_emitter_set_unicode(&o.em, 1);
	yaml_emitter_set_width(&o.em, 100);
	emit(&o, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(&o, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	map_start(&o, false);
	kv(&o, "name", s->name);
	str(&o, "services");
	map_start(&o, false);
	for (size_t i = 0; i < s->nsvcs; i++)
		service(&o, &s->svcs[i]);
	map_end(&o);
	if (s->volumes.n) {
		str(&o, "volumes");
		map_start(&o, false);
		for (size_t i = 0; i < s->volumes.n; i++) {
			str(&o, s->volumes.v[i]);
			map_start(&o, true);
			map_end(&o);
		}
		map_end(&o);
	}
	map_end(&o);
	emit(&o, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(&o, &ev, yaml_stream_end_event_initialize(&ev));
	yaml_emitter_flush(&o.em);
	yaml_emitter_delete(&o.em);
}
