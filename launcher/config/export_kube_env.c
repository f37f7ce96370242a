/* A service's environment (profile < env_file < environment, as clan
 * resolved it) as Kubernetes holds it: values that look like secrets in
 * a Secret, the rest in a ConfigMap, both read by envFrom; a name that
 * cannot be a key of either stays a plain env entry. */
#define _GNU_SOURCE
#include <string.h>

#include "config/export_int.h"
#include "config/yaml_out.h"

/* ConfigMap and Secret keys: [-._a-zA-Z0-9]+ */
static bool is_key(const char *name, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
			    name[i]) ||
		    !name[i])
			return false;
	return true;
}

static void env_from(json_t *container, const char *kind, const char *name)
{
	json_t *from = json_object_get(container, "envFrom");
	if (!from) {
		from = json_array();
		json_object_set_new(container, "envFrom", from);
	}
	json_array_append_new(from, json_pack("{s:{s:s}}", kind, "name", name));
}

void kube_env(struct kube_ctx *k, const struct service *s, json_t *container)
{
	const char *n = k->names[s - k->st->svcs];
	json_t *plain = json_object(), *secret = json_object(), *env = json_array();
	for (size_t i = 0; i < s->environment.n; i++) {
		const char *kv = s->environment.v[i];
		const char *eq = strchr(kv, '=');
		if (!eq)
			continue; /* the load keeps K=V only */
		size_t klen = (size_t)(eq - kv);
		_cleanup_free_ char *key = xstrndup(kv, klen);
		if (!is_key(kv, klen)) {
			_cleanup_free_ char *v = kube_dollar_escape(eq + 1);
			_cleanup_free_ char *name = utf8_or_replacement(key);
			json_array_append_new(
			    env, json_pack("{s:s,s:o}", "name", name, "value", json_text(v)));
			continue;
		}
		json_object_set_new(kube_is_secret_env(key, eq + 1) ? secret : plain, key,
				    json_text(eq + 1));
	}
	if (json_object_size(plain)) {
		_cleanup_free_ char *name = xasprintf("%s-env", n);
		json_t *cm = kube_object(k, "ConfigMap", name, s);
		json_object_set(cm, "data", plain);
		kube_doc(k, cm, NULL);
		env_from(container, "configMapRef", name);
	}
	if (json_object_size(secret)) {
		_cleanup_free_ char *name = xasprintf("%s-secret", n);
		json_t *sec = kube_object(k, "Secret", name, s);
		json_object_set_new(sec, "type", json_string("Opaque"));
		json_object_set(sec, "stringData", secret);
		_cleanup_free_ char *c =
		    xasprintf("the values of %s's environment whose names or values look secret\n"
			      "(from .env or env_file): keep this file out of version control",
			      s->name);
		kube_doc(k, sec, steal_pointer(&c));
		env_from(container, "secretRef", name);
	}
	if (json_array_size(env))
		json_object_set(container, "env", env);
	json_decref(plain);
	json_decref(secret);
	json_decref(env);
}
