/* A service's environment: the profile's, then each env_file, then the
 * environment = lines, a later value replacing an earlier one of the same
 * name in its place (compose: environment beats env_file). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "config/cfgval.h"
#include "config/stack_int.h"

#define ENV_FILE_MAX_BYTES (4 << 20)

void stack_env_set(struct strv *env, const char *key, size_t klen, const char *value)
{
	char *kv = xasprintf("%.*s=%s", (int)klen, key, value);
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], key, klen) == 0 && env->v[i][klen] == '=') {
			free(env->v[i]);
			env->v[i] = kv;
			return;
		}
	strv_push_owned(env, kv);
}

void stack_env_unset(struct strv *env, const char *key, size_t klen)
{
	for (size_t i = 0; i < env->n; i++)
		if (strncmp(env->v[i], key, klen) == 0 && env->v[i][klen] == '=') {
			free(env->v[i]);
			memmove(&env->v[i], &env->v[i + 1], (env->n - i) * sizeof *env->v);
			env->n--;
			return;
		}
}

struct env_file_scope {
	struct load_ctx *c;
	const struct strv *earlier;
};

/* compose-go's ResolveServicesEnvironment: the env_files read before this
 * one, then the project's environment. */
static const char *env_file_lookup(void *arg, const char *name)
{
	const struct env_file_scope *s = arg;
	size_t n = strlen(name);
	for (size_t i = s->earlier->n; i-- > 0;)
		if (strncmp(s->earlier->v[i], name, n) == 0 && s->earlier->v[i][n] == '=')
			return s->earlier->v[i] + n + 1;
	return s->c->env.lookup(s->c->env.arg, name);
}

int stack_env_file(struct load_ctx *c, const char *written, struct item_pos at, bool required,
		   bool earlier_first, struct strv *out)
{
	/* ~/x is the user's home; a relative path is the project dir's */
	_cleanup_free_ char *path = stack_host_path(c, written);
	_cleanup_free_ char *text = NULL;
	if (read_file(path, ENV_FILE_MAX_BYTES, &text, c->err) < 0) {
		if (!required && c->err->sys_errno == ENOENT)
			return 0;
		return stack_fail_pos(c, at, "env_file %s: %s", written,
				      c->err->sys_errno ? strerror(c->err->sys_errno)
							: c->err->msg);
	}
	/* messages name it as written, beside the project's files */
	const char *shown = written[0] == '/' || !strchr(c->rc_file, '/')
				? stack_file_name(c, written)
				: stack_file_name(c, path);
	struct dotenv d = {0};
	struct env_file_scope scope = {c, out};
	struct interp_env with_earlier = {
	    .lookup = env_file_lookup, .arg = &scope, .warn = c->env.warn};
	if (dotenv_parse(text, shown, earlier_first ? &with_earlier : &c->env, &d, c->err) < 0)
		return -1;
	for (size_t i = 0; i < d.n; i++)
		stack_env_set(out, d.v[i].key, strlen(d.v[i].key), d.v[i].value);
	dotenv_free(&d);
	return 0;
}

int stack_build_env(struct load_ctx *c, const struct rc_section *sec,
		    const struct strv *profile_env, struct strv *out)
{
	for (size_t i = 0; i < profile_env->n; i++) {
		const char *kv = profile_env->v[i], *eq = strchr(kv, '=');
		stack_env_set(out, kv, (size_t)(eq - kv), eq + 1);
	}
	for (size_t i = 0; i < sec->n; i++)
		if (strcmp(sec->e[i].key, "env_file") == 0 &&
		    stack_env_file(c, sec->e[i].value, (struct item_pos){.line = sec->e[i].line},
				   true, false, out) < 0)
			return -1;
	for (size_t i = 0; i < sec->n; i++) {
		const struct rc_entry *e = &sec->e[i];
		if (strcmp(e->key, "environment") != 0)
			continue;
		const char *eq = strchr(e->value, '=');
		size_t klen = eq ? (size_t)(eq - e->value) : strlen(e->value);
		if (!cfg_is_env_name(e->value, klen))
			return stack_fail(c, e->line, "bad environment '%s': expected NAME=VALUE",
					  e->value);
		if (eq) {
			stack_env_set(out, e->value, klen, eq + 1);
			continue;
		}
		/* NAME alone: its value in the shell or .env, if any (compose) */
		const char *v = c->env.lookup(c->env.arg, e->value);
		if (v)
			stack_env_set(out, e->value, klen, v);
	}
	return 0;
}
