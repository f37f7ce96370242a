/* clan init's .clanrc text for a detected plan: a commented start that
 * `clan config` loads as written. No I/O here. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/init_detect.h"
#include "base/strbuf.h"
#include "base/util.h"

static const char header[] =
    "; clan's stack for this project: `clan dev` starts it, `clan config` shows it\n"
    "; resolved. Keys read like docker compose's fields; a list is the key repeated\n"
    "; (port = 8000, port = 8001). ${VAR} comes from the shell, then .env.\n"
    "; A `;` or `#` after a blank (outside quotes) starts a comment.\n\n";

static const char postgres_service[] =
    "[service.db]\n"
    "profile = postgres        ; initdb on first start, health check, data dir\n"
    "image = deb:bookworm      ; Debian's postgresql-15, built rootless (or postgres:15)\n"
    "volume = pgdata:/var/lib/postgresql/data   ; kept by clan down (not down -v)\n"
    "environment = POSTGRES_USER=app\n"
    "environment = POSTGRES_DB=app\n"
    "environment = POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-clan}\n"
    "; not published: every user of this machine reaches 127.0.0.1. To use it from\n"
    "; outside the stack, set a password of your own in .env first, then:\n"
    ";port = 5432\n\n";

static const char mariadb_service[] =
    "[service.db]\n"
    "profile = mariadb         ; the data dir on first start, health check\n"
    "image = deb:bookworm      ; Debian's mariadb-server, built rootless (or mariadb:10.11)\n"
    "volume = dbdata:/var/lib/mysql   ; kept by clan down (not down -v)\n"
    "environment = MARIADB_ROOT_PASSWORD=${MARIADB_ROOT_PASSWORD:-clan}\n"
    "environment = MARIADB_DATABASE=app\n"
    "environment = MARIADB_USER=app\n"
    "environment = MARIADB_PASSWORD=${MARIADB_PASSWORD:-clan}\n"
    "; not published: every user of this machine reaches 127.0.0.1. To use it from\n"
    "; outside the stack, set passwords of your own in .env first, then:\n"
    ";port = 3306\n\n";

static const char redis_service[] =
    "[service.redis]\n"
    "profile = redis           ; a password clan makes per project: ${REDIS_PASSWORD}\n"
    "image = deb:bookworm      ; Debian's redis-server (or redis:7)\n\n";

static const char plain_service[] =
    "[service.app]\n"
    "image = deb:bookworm      ; a Debian rootfs built rootless; or a registry image\n"
    ";packages = python3 curl   ; Debian packages to put in it\n"
    "bind = .:/app\n"
    "working_dir = /app\n"
    "command = sleep infinity  ; what the service runs\n"
    ";port = 8000\n";

static const char nginx_service[] =
    "[service.web]\n"
    "profile = nginx           ; serves /var/www/html, logs to clan logs\n"
    "image = deb:bookworm      ; Debian's nginx-light (or nginx:1.25: /usr/share/nginx/html)\n"
    "bind = .:/var/www/html:ro ; this dir's files, as they are edited\n"
    "port = 8080:80            ; http://127.0.0.1:8080 (ports below 1024 need root)\n";

static void addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort(); /* out of memory, as xasprintf */
	strbuf_addn(b, s, (size_t)n);
	free(s);
}

/* The Debian packages a Python web service needs for what the plan names. */
static void python_packages(struct strbuf *b, const struct init_plan *p)
{
	struct strbuf pk = {0};
	if (p->db == INIT_DB_POSTGRES)
		strbuf_adds(&pk, " python3-psycopg2");
	if (p->db == INIT_DB_MARIADB)
		strbuf_adds(&pk, p->pymysql ? " python3-pymysql" : " python3-mysqldb");
	if (p->sqlalchemy)
		strbuf_adds(&pk, " python3-flask-sqlalchemy");
	if (p->redis)
		strbuf_adds(&pk, " python3-redis");
	_cleanup_free_ char *list = strbuf_steal(&pk);
	if (*list)
		addf(b, "packages =%s   ; more Debian packages your code imports\n", list);
	else
		strbuf_adds(b,
			    ";packages = python3-requests   ; Debian packages your code imports\n");
}

/* depends_on and the URLs the web service reaches the others by. */
static void links(struct strbuf *b, const struct init_plan *p)
{
	if (p->db != INIT_DB_NONE)
		strbuf_adds(b, "depends_on = db           ; starts once db is healthy\n");
	if (p->redis)
		strbuf_adds(b, "depends_on = redis\n");
	if (p->db == INIT_DB_POSTGRES)
		strbuf_adds(b,
			    "environment = DB_HOST=db\n"
			    "environment = DATABASE_URL=postgres://app:${POSTGRES_PASSWORD:-clan}"
			    "@db:5432/app\n");
	if (p->db == INIT_DB_MARIADB)
		addf(b,
		     "environment = DB_HOST=db\n"
		     "environment = DATABASE_URL=mysql%s://app:${MARIADB_PASSWORD:-clan}"
		     "@db:3306/app\n",
		     p->pymysql && p->web == INIT_FLASK ? "+pymysql" : "");
	if (p->redis)
		strbuf_adds(b, "environment = REDIS_URL=redis://:${REDIS_PASSWORD}@redis:6379/0\n");
}

static void web_service(struct strbuf *b, const struct init_plan *p)
{
	switch (p->web) {
	case INIT_DJANGO:
		strbuf_adds(b,
			    "[service.web]\n"
			    "profile = django          ; python3 manage.py runserver 0.0.0.0:8000\n"
			    "image = deb:bookworm      ; Debian's python3-django\n");
		python_packages(b, p);
		strbuf_adds(
		    b, "bind = .:/app             ; the source tree itself: edits reload live\n"
		       "working_dir = /app\n"
		       "port = 8000               ; http://127.0.0.1:8000\n");
		break;
	case INIT_FLASK:
		strbuf_adds(b, "[service.web]\n"
			       "profile = flask           ; flask run --host 0.0.0.0 --reload\n"
			       "image = deb:bookworm      ; Debian's python3-flask\n");
		python_packages(b, p);
		strbuf_adds(
		    b, "bind = .:/app             ; the source tree itself: edits reload live\n"
		       "working_dir = /app\n"
		       "port = 5000               ; http://127.0.0.1:5000\n"
		       ";environment = FLASK_APP=app.py\n");
		break;
	case INIT_NODE:
		strbuf_adds(
		    b, "[service.web]\n"
		       "profile = node            ; npm install, then npm run dev (or npm start)\n"
		       "image = deb:bookworm      ; Debian's nodejs and npm (or node:20)\n"
		       "bind = .:/app             ; the source tree itself: edits reload live\n"
		       "working_dir = /app\n"
		       "port = 3000               ; http://127.0.0.1:3000\n");
		break;
	case INIT_NGINX:
		strbuf_adds(b, nginx_service);
		return;
	case INIT_PLAIN:
		strbuf_adds(b, plain_service);
		return;
	}
	links(b, p);
}

/* compose's default project name, written out so it is easy to change. */
static void project_name(struct strbuf *b, const char *name)
{
	while (name && *name && !isalnum((unsigned char)*name))
		name++;
	if (!name || !*name)
		return;
	strbuf_adds(b, "[project]\nname = ");
	for (const char *c = name; *c; c++)
		strbuf_addc(b, isalnum((unsigned char)*c) || *c == '_' || *c == '-'
				   ? (char)tolower((unsigned char)*c)
				   : '-');
	strbuf_adds(b, "              ; default: the directory's name\n\n");
}

char *init_render(const struct init_plan *p, const char *name)
{
	struct strbuf b = {0};
	strbuf_adds(&b, header);
	project_name(&b, name);
	if (p->db == INIT_DB_POSTGRES)
		strbuf_adds(&b, postgres_service);
	if (p->db == INIT_DB_MARIADB)
		strbuf_adds(&b, mariadb_service);
	if (p->redis)
		strbuf_adds(&b, redis_service);
	web_service(&b, p);
	return strbuf_steal(&b);
}

char *init_describe(const struct init_plan *p)
{
	static const char *const webs[] = {
	    [INIT_PLAIN] = "one Debian service to start from",
	    [INIT_DJANGO] = "Django (manage.py)",
	    [INIT_FLASK] = "Flask (requirements.txt, app.py)",
	    [INIT_NODE] = "Node (package.json)",
	    [INIT_NGINX] = "nginx serving this dir (index.html)",
	};
	static const char *const dbs[] = {
	    [INIT_DB_POSTGRES] = "PostgreSQL", [INIT_DB_MARIADB] = "MariaDB"};
	struct strbuf b = {0};
	strbuf_adds(&b, webs[p->web]);
	if (p->db != INIT_DB_NONE)
		addf(&b, " with %s%s%s%s", dbs[p->db], p->why_db ? " (" : "",
		     p->why_db ? p->why_db : "", p->why_db ? ")" : "");
	if (p->redis)
		strbuf_adds(&b, p->db != INIT_DB_NONE ? " and Redis" : " with Redis");
	return strbuf_steal(&b);
}
