/* Kubernetes's rules for names and values, as export_kube applies them
 * to what compose allows (uppercase, '_', '.', any length). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "base/strbuf.h"
#include "config/export_int.h"
#include "config/yaml_out.h"

char *kube_name(const char *name)
{
	struct strbuf b = {0};
	for (const char *p = name; *p; p++) {
		char c = (char)tolower((unsigned char)*p);
		bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		/* one '-' for a run of others: my__db is my-db */
		if (ok)
			strbuf_addc(&b, c);
		else if (b.len && b.s[b.len - 1] != '-')
			strbuf_addc(&b, '-');
	}
	while (b.len && b.s[b.len - 1] == '-')
		b.s[--b.len] = '\0';
	if (!b.len) {
		strbuf_free(&b);
		return NULL;
	}
	char *s = strbuf_steal(&b);
	if (isdigit((unsigned char)s[0])) {
		char *p = xasprintf("s-%s", s);
		free(s);
		s = p;
	}
	if (strlen(s) <= KUBE_NAME_MAX)
		return s;
	/* FNV-1a of the name as written: two long names that share their
	 * first 54 characters stay apart */
	uint32_t h = 2166136261u;
	for (const char *p = name; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	size_t keep = KUBE_NAME_MAX - 9;
	while (keep && s[keep - 1] == '-')
		keep--;
	char *cut = xasprintf("%.*s-%08x", (int)keep, s, h);
	free(s);
	return cut;
}

bool kube_is_label_value(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > KUBE_NAME_MAX || !isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[n - 1]))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

bool kube_is_secret_env(const char *name, const char *value)
{
	static const char *const words[] = {"PASSWORD", "PASSWD",     "SECRET", "TOKEN",
					    "APIKEY",	"CREDENTIAL", "PRIVATE"};
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcasestr(name, words[i]))
			return true;
	size_t n = strlen(name);
	if (strcasecmp(name, "KEY") == 0 || (n > 4 && strcasecmp(name + n - 4, "_KEY") == 0))
		return true;
	/* scheme://user:password@host */
	const char *sep = strstr(value, "://");
	if (!sep)
		return false;
	const char *at = strchr(sep + 3, '@'), *colon = strchr(sep + 3, ':');
	const char *slash = strchr(sep + 3, '/');
	return at && colon && colon < at && (!slash || at < slash);
}

char *kube_dollar_escape(const char *text)
{
	struct strbuf b = {0};
	for (const char *p = text; *p; p++) {
		if (*p == '$' && (p[1] == '$' || p[1] == '('))
			strbuf_addc(&b, '$');
		strbuf_addc(&b, *p);
	}
	return strbuf_steal(&b);
}

void kube_warn(struct kube_ctx *k, const struct service *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	_cleanup_free_ char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	strv_push_owned(&k->out->warnings, xasprintf("export kube: %s: %s", s->name, msg));
}

void kube_doc(struct kube_ctx *k, json_t *doc, char *comment)
{
	json_array_append_new(k->out->docs, doc);
	strv_push_owned(&k->out->comments, comment ? comment : xstrdup(""));
}

json_t *kube_object(struct kube_ctx *k, const char *kind, const char *name, const struct service *s)
{
	json_t *labels = json_object();
	if (s)
		json_object_set_new(labels, "app.kubernetes.io/name",
				    json_string(k->names[s - k->st->svcs]));
	json_object_set_new(labels, "app.kubernetes.io/part-of", json_string(k->part_of));
	return json_pack("{s:s,s:s,s:{s:s,s:o}}", "apiVersion", "v1", "kind", kind, "metadata",
			 "name", name, "labels", labels);
}
