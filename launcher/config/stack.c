/* stack_load: .clanrc + .env + profiles -> a validated struct stack.
 * Reads files only: a failed load starts and changes nothing. */
#define _GNU_SOURCE
#include "config/stack.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/comment.h"
#include "config/compose_files.h"
#include "config/project_find.h"
#include "config/stack_int.h"

#define CONFIG_MAX_BYTES (4 << 20)

const char *stack_shell_lookup(void *ctx, const char *name)
{
	const struct load_ctx *c = ctx;
	return c->o->lookup ? c->o->lookup(name) : getenv(name);
}

const char *stack_compose_var(struct load_ctx *c, const char *name)
{
	const char *v = stack_shell_lookup(c, name);
	return v ? v : dotenv_get(&c->dotenv, name);
}

static const char *generated(const struct load_ctx *c, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < c->secrets.n; i++)
		if (strncmp(c->secrets.v[i], name, n) == 0 && c->secrets.v[i][n] == '=')
			return c->secrets.v[i] + n + 1;
	return NULL;
}

/* Interpolation: the shell environment beats .env (compose), and both
 * beat a profile's generated secret. */
static const char *project_lookup(void *ctx, const char *name)
{
	struct load_ctx *c = ctx;
	const char *v = stack_shell_lookup(c, name);
	if (!v)
		v = dotenv_get(&c->dotenv, name);
	return v ? v : generated(c, name);
}

int stack_secret(struct load_ctx *c, const char *name, const char **value)
{
	*value = project_lookup(c, name);
	if (*value || !c->o->secret)
		return 0;
	char *v;
	if (c->o->secret(c->o->secret_arg, c->st->dir, name, &v, c->err) < 0)
		return -1;
	strv_push_owned(&c->secrets, xasprintf("%s=%s", name, v));
	free(v);
	*value = generated(c, name);
	return 0;
}

/* Before interpolation: the secrets of the profiles the services name, so
 * that ${REDIS_PASSWORD} works in any service (a web app's REDIS_URL). A
 * profile named through ${...} is only known later: its own service still
 * gets its secrets. */
static int profile_secrets(struct load_ctx *c, const struct clanrc *rc)
{
	for (size_t i = 0; i < rc->n; i++) {
		const struct rc_entry *e = rc->s[i].service ? rc_get(&rc->s[i], "profile") : NULL;
		const struct profile *p;
		if (!e || strchr(e->value, '$'))
			continue;
		if (stack_get_profile(c, e, &p) < 0)
			return -1;
		const char *v;
		for (size_t j = 0; j < p->secrets.n; j++)
			if (stack_secret(c, p->secrets.v[j], &v) < 0)
				return -1;
	}
	return 0;
}

const char *stack_file_name(struct load_ctx *c, const char *path)
{
	struct strv *f = &c->st->files;
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i], path) == 0)
			return f->v[i];
	strv_push(f, path);
	return f->v[f->n - 1];
}

/* The inline comment cut from line of the .clanrc, NULL when none: a
 * value refused there may be one cut short by it. */
static const char *line_comment(const struct clanrc *rc, int line)
{
	for (size_t i = 0; rc && i < rc->n; i++)
		for (size_t j = 0; j < rc->s[i].n; j++)
			if (rc->s[i].e[j].line == line)
				return rc->s[i].e[j].comment;
	return NULL;
}

int stack_fail(struct load_ctx *c, int line, const char *fmt, ...)
{
	char msg[sizeof c->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *comment = line_comment(c->rc, line);
	if (comment)
		return clan_error_code(c->err, CLAN_EXIT_USAGE,
				       "%s:%d: %s (" COMMENT_HINT
				       ": the value ends before '%.20s')",
				       c->rc_file, line, msg, comment);
	return clan_error_code(c->err, CLAN_EXIT_USAGE, "%s:%d: %s", c->rc_file, line, msg);
}

int stack_fail_pos(struct load_ctx *c, struct item_pos at, const char *fmt, ...)
{
	char msg[sizeof c->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!at.file)
		return stack_fail(c, at.line, "%s", msg);
	return clan_error_code(c->err, CLAN_EXIT_USAGE, "%s:%d:%d: %s", at.file, at.line, at.column,
			       msg);
}

enum { STACK_MAX_ERRORS = 10 };

int stack_collect(struct load_ctx *c)
{
	if (c->nerrors++ == 0)
		c->errors_code = c->err->code;
	if (c->errors.n < STACK_MAX_ERRORS)
		strv_push(&c->errors, c->err->msg);
	return -1;
}

int stack_report(struct load_ctx *c)
{
	if (c->nerrors == 0)
		return 0;
	char msg[sizeof c->err->msg];
	size_t len = 0, shown = 0;
	msg[0] = '\0';
	/* room for the last line, "and N more errors" */
	for (; shown < c->errors.n; shown++) {
		size_t n = strlen(c->errors.v[shown]);
		if (len + n + 1 + 32 >= sizeof msg && shown > 0)
			break;
		len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s", shown ? "\n" : "",
					c->errors.v[shown]);
		if (len >= sizeof msg)
			len = sizeof msg - 1;
	}
	if (c->nerrors > shown)
		snprintf(msg + len, sizeof msg - len, "\nand %zu more error%s", c->nerrors - shown,
			 c->nerrors - shown == 1 ? "" : "s");
	clan_error_code(c->err, c->errors_code, "%s", msg);
	strv_free(&c->errors);
	c->nerrors = 0;
	return -1;
}

/* Messages name files as the user would: relative to the project dir when
 * clan runs in it (".clanrc:3:"), else by their full path. */
static char *shown_path(const struct load_ctx *c, const char *name)
{
	return c->o->dir || c->above ? xasprintf("%s/%s", c->st->dir, name) : xstrdup(name);
}

/* The project dir: --project-directory (or o->dir), else the dir of the
 * first -f file, else the current dir or the nearest parent with a
 * .clanrc or compose file (as compose; project_find says which parents
 * count). */
static int project_dir(struct load_ctx *c, char **out)
{
	const struct stack_load_opts *o = c->o;
	const struct project_args *a = o->args;
	const char *given = a && a->dir ? a->dir : o->dir;
	_cleanup_free_ char *first = NULL;
	if (!given && a && a->files.n && strcmp(a->files.v[0], "-") != 0)
		given = first = path_dir(a->files.v[0]);
	char *dir = realpath(given ? given : ".", NULL);
	if (!dir)
		return clan_error_code(c->err, CLAN_EXIT_USAGE,
				       "cannot use %s as the project dir: %s",
				       given ? given : "the current dir", strerror(errno));
	*out = dir;
	if (given)
		return 0;
	char *found = project_find(dir, stack_shell_lookup(c, "HOME"), getuid(), &c->warn.msgs);
	if (found && strcmp(found, dir) != 0) {
		c->above = true;
		free(dir);
		*out = found;
	} else {
		free(found);
	}
	return 0;
}

/* A file of a project found in a parent dir is read only when the user
 * could have written it (project_find's rule): another user may share
 * a parent such as /tmp. */
static int check_above(struct load_ctx *c, const char *path)
{
	struct strv why = {0};
	if (!c->above || project_file_trusted(path, getuid(), &why))
		return 0;
	clan_error_code(c->err, CLAN_EXIT_USAGE, "%s", why.v[0]);
	strv_free(&why);
	return -1;
}

static bool is_clanrc(const char *path)
{
	const char *base = strrchr(path, '/');
	return strcmp(base ? base + 1 : path, ".clanrc") == 0;
}

/* Which files: -f FILE... (a .clanrc, or compose files), else
 * COMPOSE_FILE, else the .clanrc of the project dir, else its compose
 * file and override. A compose file beside a .clanrc is only noted.
 * compose stays empty for a .clanrc project. */
static int pick_files(struct load_ctx *c, struct strv *compose, struct strv *shown)
{
	const struct project_args *a = c->o->args;
	struct stack *st = c->st;
	_cleanup_free_ char *cwd = realpath(".", NULL);
	if (a && a->files.n) {
		for (size_t i = 0; i < a->files.n; i++) {
			const char *f = a->files.v[i];
			if (is_clanrc(f) && a->files.n > 1)
				return clan_error_code(c->err, CLAN_EXIT_USAGE,
						       "-f %s: a .clanrc is read alone, not with "
						       "other files",
						       f);
			if (is_clanrc(f)) {
				st->config_file = realpath(f, NULL);
				if (!st->config_file)
					return clan_error(c->err, errno, "-f %s", f);
				return 0;
			}
			strv_push_owned(compose, f[0] == '/' || strcmp(f, "-") == 0
						     ? xstrdup(f)
						     : xasprintf("%s/%s", cwd ? cwd : ".", f));
			strv_push(shown, f);
		}
		return 0;
	}
	const char *env = stack_compose_var(c, "COMPOSE_FILE");
	if (env && *env) {
		compose_env_files(env, stack_compose_var(c, "COMPOSE_PATH_SEPARATOR"),
				  cwd ? cwd : ".", compose);
		for (size_t i = 0; i < compose->n; i++)
			strv_push(shown, compose->v[i]);
		if (compose->n)
			return 0;
	}
	_cleanup_free_ char *clanrc = xasprintf("%s/.clanrc", st->dir);
	struct strv found = {0};
	compose_default_files(st->dir, &found, &c->warn.msgs);
	int r = 0;
	for (size_t i = 0; r == 0 && i < found.n; i++)
		r = check_above(c, found.v[i]);
	if (r == 0)
		r = check_above(c, clanrc);
	if (r == 0 && (access(clanrc, F_OK) == 0 || found.n == 0)) {
		/* with neither, read_clanrc says what is missing */
		if (found.n)
			st->note =
			    xasprintf("using .clanrc; %s beside it is not read (clan -f %s "
				      "config reads it)",
				      strrchr(found.v[0], '/') + 1, strrchr(found.v[0], '/') + 1);
		st->config_file = steal_pointer(&clanrc);
	} else if (r == 0) {
		for (size_t i = 0; i < found.n; i++) {
			strv_push(compose, found.v[i]);
			_cleanup_free_ char *name = shown_path(c, strrchr(found.v[i], '/') + 1);
			strv_push(shown, name);
		}
	}
	strv_free(&found);
	return r;
}

/* compose's rule: lowercase, [a-z0-9_-] kept, the rest '-', starting
 * with a letter or digit. */
static char *sanitize_name(const char *s)
{
	while (*s && !isalnum((unsigned char)*s))
		s++;
	char *n = xstrdup(s);
	for (char *p = n; *p; p++) {
		*p = (char)tolower((unsigned char)*p);
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			*p = '-';
	}
	return n;
}

static bool is_project_name(const char *s)
{
	if (!isdigit((unsigned char)*s) && !islower((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !islower((unsigned char)*s) && *s != '_' &&
		    *s != '-')
			return false;
	return true;
}

static int project_name(struct load_ctx *c, const struct clanrc *rc)
{
	const struct rc_entry *e = NULL;
	for (size_t i = 0; i < rc->n && !e; i++)
		if (!rc->s[i].service)
			e = rc_get(&rc->s[i], "name");
	const char *name = c->o->project_name ? c->o->project_name : e ? e->value : NULL;
	if (name) {
		if (is_project_name(name)) {
			c->st->name = xstrdup(name);
			return 0;
		}
		_cleanup_free_ char *fixed = sanitize_name(name);
		if (!e || c->o->project_name)
			return clan_error_code(
			    c->err, CLAN_EXIT_USAGE,
			    "bad project name '%s': lowercase letters, digits, _ "
			    "and -, starting with a letter or digit%s%s%s",
			    name, *fixed ? " (e.g. " : "", fixed, *fixed ? ")" : "");
		return stack_fail(c, e->line,
				  "bad project name '%s': lowercase letters, digits, _ and -, "
				  "starting with a letter or digit%s%s%s",
				  name, *fixed ? " (e.g. " : "", fixed, *fixed ? ")" : "");
	}
	const char *base = strrchr(c->st->dir, '/');
	_cleanup_free_ char *dir_name = sanitize_name(base ? base + 1 : c->st->dir);
	if (!*dir_name)
		return clan_error_code(c->err, CLAN_EXIT_USAGE,
				       "%s: the directory's name makes no project name: set one "
				       "with [project] name = NAME",
				       c->rc_file);
	c->st->name = project_name_for_job(dir_name, stack_shell_lookup(c, "SLURM_JOB_ID"));
	return 0;
}

/* Values become what ${VAR} says; only an environment value or a package
 * list may end up empty. */
static int interpolate_all(struct load_ctx *c, struct clanrc *rc)
{
	for (size_t i = 0; i < rc->n; i++)
		for (size_t j = 0; j < rc->s[i].n; j++) {
			struct rc_entry *e = &rc->s[i].e[j];
			char *v;
			if (interp_expand(&c->env, e->value, c->rc_file, e->line, &v, c->err) < 0) {
				stack_collect(c);
				continue;
			}
			bool may_be_empty =
			    strcmp(e->key, "environment") == 0 || strcmp(e->key, "packages") == 0;
			if (!*v && !may_be_empty) {
				free(v);
				stack_fail(c, e->line, "%s is empty after interpolation of '%s'",
					   e->key, e->value);
				stack_collect(c);
				continue;
			}
			free(e->value);
			e->value = v;
		}
	return stack_report(c);
}

static int read_env_file(struct load_ctx *c, const char *path, const char *shown)
{
	_cleanup_free_ char *text = NULL;
	if (read_file(path, CONFIG_MAX_BYTES, &text, c->err) < 0)
		return clan_error_wrap(c->err, "env file %s", shown);
	struct interp_env shell = {.lookup = stack_shell_lookup, .arg = c, .warn = &c->warn};
	return dotenv_parse(text, stack_file_name(c, shown), &shell, &c->dotenv, c->err);
}

/* --env-file FILE... (each must exist, later ones win), else the
 * project dir's .env when there is one. */
static int read_dotenv(struct load_ctx *c)
{
	const struct project_args *a = c->o->args;
	for (size_t i = 0; a && i < a->env_files.n; i++)
		if (read_env_file(c, a->env_files.v[i], a->env_files.v[i]) < 0)
			return -1;
	if (a && a->env_files.n)
		return 0;
	_cleanup_free_ char *path = xasprintf("%s/.env", c->st->dir);
	if (access(path, F_OK) < 0)
		return 0;
	if (check_above(c, path) < 0)
		return -1;
	_cleanup_free_ char *shown = shown_path(c, ".env");
	return read_env_file(c, path, shown);
}

static int read_clanrc(struct load_ctx *c, struct clanrc *rc)
{
	_cleanup_free_ char *text = NULL;
	if (read_file(c->st->config_file, CONFIG_MAX_BYTES, &text, c->err) < 0) {
		if (c->err->sys_errno == ENOENT)
			return clan_error_code(c->err, CLAN_EXIT_USAGE,
					       "no .clanrc or compose file in %s%s (clan init "
					       "writes a .clanrc)%s%s",
					       c->st->dir, c->o->dir ? "" : " or a parent dir",
					       c->warn.msgs.n ? "; " : "",
					       c->warn.msgs.n ? c->warn.msgs.v[0] : "");
		return -1;
	}
	return clanrc_parse(text, c->rc_file, rc, c->err);
}

static int build_services(struct load_ctx *c, const struct clanrc *rc)
{
	c->b = xcalloc(rc->n + 1, sizeof *c->b);
	for (size_t i = 0; i < rc->n; i++) {
		if (!rc->s[i].service)
			continue;
		/* on to the next service: its errors are reported too */
		if (stack_build_service(c, &rc->s[i], &c->b[c->nb]) < 0) {
			stack_collect(c);
			svc_build_free(&c->b[c->nb]);
			continue;
		}
		c->nb++;
	}
	if (stack_report(c) < 0)
		return -1;
	if (c->nb == 0)
		return clan_error_code(c->err, CLAN_EXIT_USAGE,
				       "%s: no services: add a [service.NAME] section (clan init "
				       "writes a start)",
				       c->rc_file);
	return 0;
}

/* The checked services move into the stack, with the volumes they use. */
static void take_services(struct load_ctx *c)
{
	struct stack *st = c->st;
	st->svcs = xcalloc(c->nb, sizeof *st->svcs);
	for (size_t i = 0; i < c->nb; i++) {
		for (size_t k = 0; k < c->b[i].nlisten; k++)
			if (c->b[i].listen[k].proto == PORT_TCP)
				svc_listen_add(&c->b[i].svc, c->b[i].listen[k].port,
					       c->b[i].listen[k].count);
		st->svcs[st->nsvcs] = c->b[i].svc;
		st->svcs[st->nsvcs++].port_lines = c->b[i].port_lines;
		c->b[i].svc = (struct service){0};
		c->b[i].port_lines = NULL;
	}
	for (size_t i = 0; i < st->nsvcs; i++)
		for (size_t j = 0; j < st->svcs[i].nmounts; j++) {
			const char *v = st->svcs[i].mounts[j].volume;
			bool seen = false;
			for (size_t k = 0; v && k < st->volumes.n && !seen; k++)
				seen = strcmp(st->volumes.v[k], v) == 0;
			if (v && !seen)
				strv_push(&st->volumes, v);
		}
}

static int load_clanrc(struct load_ctx *c)
{
	struct clanrc rc = {0};
	int r = -1;
	c->rc = &rc;
	if (read_clanrc(c, &rc) == 0 && profile_secrets(c, &rc) == 0 &&
	    interpolate_all(c, &rc) == 0 && project_name(c, &rc) == 0 &&
	    build_services(c, &rc) == 0 && stack_check_all(c) == 0)
		r = 0;
	/* the checks above read the sections (lines, comments): not after */
	for (size_t i = 0; c->b && i < c->nb; i++)
		c->b[i].sec = NULL;
	clanrc_free(&rc);
	c->rc = NULL;
	return r;
}

static int load(struct load_ctx *c)
{
	struct stack *st = c->st;
	struct strv compose = {0}, shown = {0};
	int r = -1;

	c->env = (struct interp_env){.lookup = project_lookup, .arg = c, .warn = &c->warn};
	/* .env first: it may set COMPOSE_FILE, as compose reads it */
	if (project_dir(c, &st->dir) < 0 || read_dotenv(c) < 0 ||
	    pick_files(c, &compose, &shown) < 0)
		goto out;
	if (compose.n) {
		st->config_file = xstrdup(compose.v[0]);
		c->rc_file = stack_file_name(c, shown.v[0]);
	} else {
		_cleanup_free_ char *name = shown_path(c, ".clanrc");
		c->rc_file = stack_file_name(c, name);
	}
	if (c->o->profile_dirs)
		for (size_t i = 0; c->o->profile_dirs[i]; i++)
			strv_push(&c->profile_dirs, c->o->profile_dirs[i]);
	else
		profile_default_dirs(st->dir, stack_shell_lookup, c, &c->profile_dirs);

	if (compose.n ? stack_load_compose(c, &compose, &shown) == 0 && stack_check_all(c) == 0
		      : load_clanrc(c) == 0) {
		take_services(c);
		r = 0;
	}
out:
	strv_free(&compose);
	strv_free(&shown);
	return r;
}

int stack_load(const struct stack_load_opts *o, struct stack *out, struct clan_err *err)
{
	struct load_ctx c = {.o = o, .st = out, .err = err};
	*out = (struct stack){0};
	int r = load(&c);
	/* a failed load has no stack to carry them: its error is what counts */
	if (r == 0) {
		out->warnings = c.warn.msgs;
		c.warn.msgs = (struct strv){0};
	}
	interp_warnings_free(&c.warn);
	dotenv_free(&c.dotenv);
	strv_free(&c.secrets);
	strv_free(&c.profile_dirs);
	strv_free(&c.enabled);
	strv_free(&c.errors);
	for (size_t i = 0; i < c.nprofiles; i++)
		profile_free(&c.profiles[i]);
	profile_set_free(&c.recognisers);
	free(c.profiles);
	/* with the one that failed half-built */
	for (size_t i = 0; c.b && i <= c.nb; i++)
		svc_build_free(&c.b[i]);
	free(c.b);
	if (r < 0)
		stack_free(out);
	return r;
}

void project_args_free(struct project_args *a)
{
	strv_free(&a->files);
	strv_free(&a->env_files);
	strv_free(&a->profiles);
	free(a->name);
	free(a->dir);
	*a = (struct project_args){0};
}

const struct svc_mount *stack_volume_mount(const struct stack *st, const char *volume)
{
	for (size_t i = 0; i < st->nsvcs; i++)
		for (size_t k = 0; k < st->svcs[i].nmounts; k++) {
			const struct svc_mount *m = &st->svcs[i].mounts[k];
			if (m->volume && strcmp(m->volume, volume) == 0)
				return m;
		}
	return NULL;
}

const struct service *stack_find(const struct stack *s, const char *name)
{
	for (size_t i = 0; i < s->nsvcs; i++)
		if (strcmp(s->svcs[i].name, name) == 0)
			return &s->svcs[i];
	return NULL;
}

void stack_free(struct stack *s)
{
	for (size_t i = 0; i < s->nsvcs; i++)
		service_free(&s->svcs[i]);
	free(s->svcs);
	free(s->name);
	free(s->dir);
	free(s->config_file);
	strv_free(&s->volumes);
	strv_free(&s->compose_files);
	strv_free(&s->compose_profiles);
	free(s->note);
	strv_free(&s->files);
	strv_free(&s->warnings);
	json_decref(s->compose_raw);
	*s = (struct stack){0};
}
