/* clan init's detection: which framework, which database, whether Redis,
 * from the names and texts cmd_init.c read. No I/O here. */
#define _GNU_SOURCE
#include "config/init_detect.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>
#include <strings.h>

/* Calls fn on each line of text that is not a comment (# first), with its
 * length; stops when fn returns true and says so. */
static bool each_line(const char *text, bool (*fn)(const char *, size_t, void *), void *arg)
{
	for (const char *p = text; p && *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *s = p;
		while (s < p + len && isspace((unsigned char)*s))
			s++;
		if (s < p + len && *s != '#' && fn(s, len - (size_t)(s - p), arg))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static bool has_ci(const char *s, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (strncasecmp(s + i, needle, n) == 0)
			return true;
	return false;
}

/* A requirement's name as pip compares them: case and - _ . alike. */
static bool req_is(const char *line, size_t len, const char *want)
{
	size_t i = 0;
	for (; i < len && want[i]; i++) {
		char c = (char)tolower((unsigned char)line[i]);
		if (c == '_' || c == '.')
			c = '-';
		if (c != want[i])
			return false;
	}
	if (want[i])
		return false;
	/* the name ends: a version, extras, a marker, a comment or the line */
	return i == len || !(isalnum((unsigned char)line[i]) || strchr("-_.", line[i]));
}

static bool line_is_req(const char *line, size_t len, void *want)
{
	return req_is(line, len, want);
}

static bool requires(const struct init_seen *s, const char *name)
{
	return s->requirements && each_line(s->requirements, line_is_req, (void *)name);
}

static bool line_has(const char *line, size_t len, void *needle)
{
	return has_ci(line, len, needle);
}

static bool says(const char *text, const char *needle)
{
	return text && each_line(text, line_has, (void *)needle);
}

/* A line that sets a database URL: its scheme names the server. */
static bool line_db_url(const char *line, size_t len, void *out)
{
	enum init_db *db = out;
	if (!has_ci(line, len, "DATABASE_URI") && !has_ci(line, len, "DATABASE_URL"))
		return false;
	if (has_ci(line, len, "postgres"))
		*db = INIT_DB_POSTGRES;
	else if (has_ci(line, len, "mysql") || has_ci(line, len, "mariadb"))
		*db = INIT_DB_MARIADB;
	return *db != INIT_DB_NONE;
}

static bool js_depends(const struct init_seen *s, const char *name)
{
	if (!s->package_json)
		return false;
	json_t *root = json_loads(s->package_json, JSON_DISABLE_EOF_CHECK, NULL);
	bool found = false;
	for (int i = 0; i < 2 && json_is_object(root) && !found; i++) {
		json_t *deps = json_object_get(root, i ? "devDependencies" : "dependencies");
		found = json_is_object(deps) && json_object_get(deps, name) != NULL;
	}
	json_decref(root);
	return found;
}

static void django_db(const struct init_seen *s, struct init_plan *p)
{
	if (says(s->settings, "django.db.backends.postgresql")) {
		p->db = INIT_DB_POSTGRES;
		p->why_db = "settings.py's ENGINE";
	} else if (says(s->settings, "django.db.backends.mysql")) {
		p->db = INIT_DB_MARIADB;
		p->why_db = "settings.py's ENGINE";
	} else if (!s->settings) {
		p->db = INIT_DB_POSTGRES; /* no settings read: Django's usual server */
	}
}

static void python_drivers(const struct init_seen *s, struct init_plan *p)
{
	p->pymysql =
	    requires(s, "pymysql") || says(s->app_py, "pymysql") || says(s->dotenv, "pymysql");
	p->sqlalchemy = requires(s, "flask-sqlalchemy");
	if (p->db != INIT_DB_NONE)
		return;
	if (requires(s, "psycopg2") || requires(s, "psycopg2-binary") || requires(s, "psycopg")) {
		p->db = INIT_DB_POSTGRES;
		p->why_db = "requirements.txt";
	} else if (requires(s, "mysqlclient") || requires(s, "pymysql") || requires(s, "mariadb")) {
		p->db = INIT_DB_MARIADB;
		p->why_db = "requirements.txt";
	}
}

void init_detect(const struct init_seen *s, struct init_plan *p)
{
	*p = (struct init_plan){0};
	if (s->has_manage_py) {
		p->web = INIT_DJANGO;
		django_db(s, p);
	} else if (s->has_package_json) {
		p->web = INIT_NODE;
	} else if (s->has_requirements || s->has_app_py) {
		p->web = INIT_FLASK;
		enum init_db db = INIT_DB_NONE;
		if (each_line(s->app_py, line_db_url, &db) ||
		    each_line(s->dotenv, line_db_url, &db)) {
			p->db = db;
			p->why_db = "SQLALCHEMY_DATABASE_URI";
		}
	} else if (s->has_index_html) {
		p->web = INIT_NGINX;
	}
	if (p->web == INIT_DJANGO || p->web == INIT_FLASK) {
		python_drivers(s, p);
		p->redis = requires(s, "redis") || requires(s, "django-redis");
	} else if (p->web == INIT_NODE) {
		if (js_depends(s, "pg") || js_depends(s, "postgres")) {
			p->db = INIT_DB_POSTGRES;
			p->why_db = "package.json";
		} else if (js_depends(s, "mysql2") || js_depends(s, "mysql") ||
			   js_depends(s, "mariadb")) {
			p->db = INIT_DB_MARIADB;
			p->why_db = "package.json";
		}
		p->redis = js_depends(s, "redis") || js_depends(s, "ioredis");
	}
}
