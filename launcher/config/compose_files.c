#define _GNU_SOURCE
#include "config/compose_files.h"

#include <ctype.h>
#include <string.h>
#include <sys/stat.h>

#include "base/strbuf.h"

const char *const compose_file_names[] = {"compose.yaml", "compose.yml", "docker-compose.yml",
					  "docker-compose.yaml", NULL};
const char *const compose_override_names[] = {"compose.override.yml", "compose.override.yaml",
					      "docker-compose.override.yml",
					      "docker-compose.override.yaml", NULL};

/* Every name of names that is a file in dir, in order, as absolute paths. */
static void existing(const char *dir, const char *const *names, struct strv *found)
{
	for (size_t i = 0; names[i]; i++) {
		char *path = path_join(dir, names[i]);
		struct stat st;
		if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
			strv_push_owned(found, path);
		else
			free(path);
	}
}

/* The first of found into files; the others named in a warning. */
static size_t take_first(struct strv *found, const char *what, struct strv *files,
			 struct strv *warnings)
{
	if (found->n == 0)
		return 0;
	if (found->n > 1 && warnings) {
		struct strbuf all = {0};
		for (size_t i = 0; i < found->n; i++) {
			strbuf_adds(&all, i ? ", " : "");
			strbuf_adds(&all, found->v[i]);
		}
		strv_push_owned(warnings, xasprintf("found multiple %s with supported names: %s; "
						    "using %s",
						    what, all.s, found->v[0]));
		strbuf_free(&all);
	}
	strv_push(files, found->v[0]);
	return 1;
}

size_t compose_default_files(const char *dir, struct strv *files, struct strv *warnings)
{
	struct strv found = {0}, overrides = {0};
	existing(dir, compose_file_names, &found);
	size_t n = take_first(&found, "config files", files, warnings);
	if (n > 0) {
		existing(dir, compose_override_names, &overrides);
		n += take_first(&overrides, "override files", files, warnings);
	}
	strv_free(&found);
	strv_free(&overrides);
	return n;
}

void compose_env_files(const char *value, const char *sep, const char *cwd, struct strv *files)
{
	if (!sep || !*sep)
		sep = ":";
	size_t seplen = strlen(sep);
	for (const char *p = value; p;) {
		const char *end = strstr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 0) {
			char *piece = xstrndup(p, len);
			if (*piece == '/' || strcmp(piece, "-") == 0) {
				strv_push_owned(files, piece);
			} else {
				strv_push_owned(files, path_join(cwd, piece));
				free(piece);
			}
		}
		p = end ? end + seplen : NULL;
	}
}

char *compose_name_normalize(const char *s)
{
	char *out = xmalloc(strlen(s) + 1), *o = out;
	for (; *s; s++) {
		char c = (char)tolower((unsigned char)*s);
		bool keep =
		    (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
		/* leading separators are dropped, as compose's TrimLeft */
		if (keep && !(o == out && (c == '_' || c == '-')))
			*o++ = c;
	}
	*o = '\0';
	return out;
}

static int given_name(const char *name, const char *source, char **out, struct clan_err *err)
{
	_cleanup_free_ char *normal = compose_name_normalize(name);
	if (strcmp(normal, name) != 0)
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "invalid project name '%s' (%s): only lowercase letters, digits, "
		    "'-' and '_', starting with a letter or digit",
		    name, source);
	*out = xstrdup(name);
	return 0;
}

char *project_name_for_job(const char *name, const char *job)
{
	if (!job || !*job || strspn(job, "0123456789") != strlen(job) || strlen(job) > 20)
		return xstrdup(name);
	return xasprintf("%s-job%s", name, job);
}

int compose_project_name(const char *flag, const char *env, const char *yaml_name, const char *dir,
			 char **out, struct clan_err *err)
{
	*out = NULL;
	if (flag && *flag)
		return given_name(flag, "-p", out, err);
	if (env && *env)
		return given_name(env, "COMPOSE_PROJECT_NAME", out, err);
	if (yaml_name && *yaml_name) {
		char *normal = compose_name_normalize(yaml_name);
		if (*normal) {
			*out = normal;
			return 0;
		}
		free(normal);
	}
	const char *base = strrchr(dir, '/');
	char *normal = compose_name_normalize(base ? base + 1 : dir);
	if (!*normal) {
		free(normal);
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "the project has no name: its directory's name '%s' has no "
				       "letter or digit (name it with -p NAME or `name:`)",
				       base ? base + 1 : dir);
	}
	*out = normal;
	return 0;
}
