/* What `clan init` makes of a project dir: detection and the .clanrc text
 * as pure functions over what the dir holds (names and bounded file
 * texts), so every rule is unit-tested without a file system. cmd_init.c
 * gathers the input and writes the result. */
#ifndef CLAN_INIT_DETECT_H
#define CLAN_INIT_DETECT_H

#include <stdbool.h>

/* Most of a file init reads: a requirements.txt or settings.py past it is
 * read up to here only (what tells the stack is near the top). */
#define INIT_READ_MAX (64 * 1024)

/* What the project dir holds. A text is NULL when the file is missing,
 * not a regular file inside the project, binary (a NUL byte) or
 * unreadable; a present-but-unread file still counts in has_*. */
struct init_seen {
	bool has_manage_py, has_package_json, has_requirements, has_app_py, has_index_html;
	const char *requirements; /* requirements.txt */
	const char *package_json;
	const char *settings; /* Django's settings.py (top level or one dir down) */
	const char *app_py;   /* app.py, wsgi.py or config.py: Flask's config */
	const char *dotenv;   /* .env: DATABASE_URL, SQLALCHEMY_DATABASE_URI */
};

enum init_web { INIT_PLAIN, INIT_DJANGO, INIT_FLASK, INIT_NODE, INIT_NGINX };
enum init_db { INIT_DB_NONE, INIT_DB_POSTGRES, INIT_DB_MARIADB };

struct init_plan {
	enum init_web web;
	enum init_db db;
	bool redis;
	bool pymysql;	    /* the code names PyMySQL rather than mysqlclient */
	bool sqlalchemy;    /* Flask-SQLAlchemy in requirements.txt */
	const char *why_db; /* what named the database, for the message */
};

/* Decides the stack: manage.py -> Django, package.json -> Node,
 * requirements.txt or app.py -> Flask, index.html -> nginx, else a plain
 * Debian service. The database is the one the framework's settings name
 * (Django's ENGINE, Flask's SQLALCHEMY_DATABASE_URI/DATABASE_URL, a
 * driver in requirements.txt or package.json); Django without readable
 * settings keeps PostgreSQL. redis in requirements.txt or package.json
 * adds a redis service. */
void init_detect(const struct init_seen *seen, struct init_plan *out);

/* The .clanrc text for plan; name: the project's name (NULL: none). The
 * caller frees it. */
char *init_render(const struct init_plan *plan, const char *name);

/* One line for `wrote .clanrc: ...`; the caller frees it. */
char *init_describe(const struct init_plan *plan);

#endif
