/* clan init [--force]: writes a commented .clanrc for the project in the
 * current dir, guessing the stack from its files: manage.py (Django with
 * PostgreSQL), package.json (Node), requirements.txt or app.py (Flask). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "opts.h"
#include "strbuf.h"
#include "util.h"

static const char init_usage[] =
    "usage: clan init [--force]\n"
    "\n"
    "Writes .clanrc for the project in the current dir: Django (manage.py) with\n"
    "PostgreSQL, Node (package.json), Flask (requirements.txt, app.py), or a\n"
    "plain Debian service to start from. Then: clan config, clan dev.\n"
    "  -f, --force   replace an existing .clanrc\n";

static const char header[] =
    "; clan's stack for this project: `clan dev` starts it, `clan config` shows it\n"
    "; resolved. Keys read like docker compose's fields; a list is the key repeated\n"
    "; (port = 8000, port = 8001). ${VAR} comes from the shell, then .env.\n"
    "; A `;` after a blank starts a comment.\n\n";

static const char db_service[] =
    "[service.db]\n"
    "profile = postgres        ; initdb on first start, health check, data dir\n"
    "image = deb:bookworm      ; Debian's postgresql-15, built rootless (or postgres:15)\n"
    "volume = pgdata:/var/lib/postgresql/data   ; kept by clan down (not down -v)\n"
    "environment = POSTGRES_USER=app\n"
    "environment = POSTGRES_DB=app\n"
    "environment = POSTGRES_PASSWORD=${POSTGRES_PASSWORD:-clan}\n"
    "port = 5432               ; 127.0.0.1:5432 on this machine\n\n";

static const char django_service[] =
    "[service.web]\n"
    "profile = django          ; python3 manage.py runserver 0.0.0.0:8000\n"
    "image = deb:bookworm      ; Debian's python3-django\n"
    "packages = python3-psycopg2   ; more Debian packages your code imports\n"
    "bind = .:/app             ; the source tree itself: edits reload live\n"
    "working_dir = /app\n"
    "port = 8000               ; http://127.0.0.1:8000\n"
    "depends_on = db           ; starts once db is healthy\n"
    "environment = DB_HOST=db\n"
    "environment = DATABASE_URL=postgres://app:${POSTGRES_PASSWORD:-clan}@db:5432/app\n";

static const char node_service[] =
    "[service.web]\n"
    "profile = node            ; npm install, then npm run dev (or npm start)\n"
    "image = deb:bookworm      ; Debian's nodejs and npm (or node:20)\n"
    "bind = .:/app             ; the source tree itself: edits reload live\n"
    "working_dir = /app\n"
    "port = 3000               ; http://127.0.0.1:3000\n";

static const char flask_service[] =
    "[service.web]\n"
    "profile = flask           ; flask run --host 0.0.0.0 --reload\n"
    "image = deb:bookworm      ; Debian's python3-flask\n"
    ";packages = python3-requests   ; more Debian packages your code imports\n"
    "bind = .:/app             ; the source tree itself: edits reload live\n"
    "working_dir = /app\n"
    "port = 5000               ; http://127.0.0.1:5000\n"
    ";environment = FLASK_APP=app.py\n";

static const char plain_service[] =
    "[service.app]\n"
    "image = deb:bookworm      ; a Debian rootfs built rootless; or a registry image\n"
    ";packages = python3 curl   ; Debian packages to put in it\n"
    "bind = .:/app\n"
    "working_dir = /app\n"
    "command = sleep infinity  ; what the service runs\n"
    ";port = 8000\n";

static bool exists(const char *name)
{
	return access(name, F_OK) == 0;
}

/* The text of .clanrc and what it holds, for the message. */
static char *template(const char **what)
{
	struct strbuf b = {0};
	char cwd[PATH_MAX];
	strbuf_adds(&b, header);
	if (getcwd(cwd, sizeof cwd)) {
		/* compose's default name, written out so it is easy to change */
		const char *base = strrchr(cwd, '/') + 1;
		while (*base && !isalnum((unsigned char)*base))
			base++;
		if (*base) {
			strbuf_adds(&b, "[project]\nname = ");
			for (const char *p = base; *p; p++)
				strbuf_addc(&b, isalnum((unsigned char)*p) || *p == '_' || *p == '-'
						    ? (char)tolower((unsigned char)*p)
						    : '-');
			strbuf_adds(&b, "              ; default: the directory's name\n\n");
		}
	}
	if (exists("manage.py")) {
		*what = "Django (manage.py) with PostgreSQL";
		strbuf_adds(&b, db_service);
		strbuf_adds(&b, django_service);
	} else if (exists("package.json")) {
		*what = "Node (package.json)";
		strbuf_adds(&b, node_service);
	} else if (exists("requirements.txt") || exists("app.py")) {
		*what = "Flask (requirements.txt)";
		strbuf_adds(&b, flask_service);
	} else {
		*what = "one Debian service to start from";
		strbuf_adds(&b, plain_service);
	}
	return strbuf_steal(&b);
}

/* Written whole to a temp file, then put in place: link() refuses to
 * replace a .clanrc that appeared meanwhile, rename() (--force) replaces. */
static int write_clanrc(const char *text, bool force, struct clan_err *err)
{
	char tmp[] = ".clanrc.XXXXXX";
	int fd = mkstemp(tmp);
	if (fd < 0)
		return clan_error(err, errno, "init: cannot create a file in the current dir");
	bool ok = write_all(fd, text, strlen(text)) && fchmod(fd, 0644) == 0;
	int saved = errno;
	if (close(fd) < 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (!ok) {
		unlink(tmp);
		return clan_error(err, saved, "init: cannot write .clanrc");
	}
	int r = force ? rename(tmp, ".clanrc") : link(tmp, ".clanrc");
	saved = errno;
	unlink(tmp);
	if (r < 0 && saved == EEXIST)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "init: .clanrc exists already (--force replaces it)");
	if (r < 0)
		return clan_error(err, saved, "init: cannot write .clanrc");
	return 0;
}

int cmd_init(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	enum { OPT_FORCE = 1, OPT_FROM, OPT_HELP };
	static const struct opt_def defs[] = {{"force", 'f', false, OPT_FORCE},
					      {"from", 0, true, OPT_FROM},
					      {"help", 'h', false, OPT_HELP},
					      {0}};
	struct opt_parser p;
	const char *v, *what = NULL;
	bool force = false;
	int id;
	(void)ctx;

	opts_init(&p, argc, argv);
	while ((id = opts_next(&p, defs, &v, err)) > 0) {
		if (id == OPT_HELP) {
			fputs(init_usage, stdout);
			return 0;
		}
		if (id == OPT_FROM)
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "init: --from %s is not supported yet: write .clanrc "
			    "by hand (clan init gives a start)",
			    v);
		force = true;
	}
	if (id < 0)
		return -1;
	if (p.i < argc)
		return clan_error_code(err, CLAN_EXIT_USAGE, "init: unexpected argument '%s'",
				       argv[p.i]);
	if (!force && exists(".clanrc"))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "init: .clanrc exists already (--force replaces it)");
	_cleanup_free_ char *text = template(&what);
	if (write_clanrc(text, force, err) < 0)
		return -1;
	printf("wrote .clanrc: %s\nnext: clan config (check it), clan dev (start it)\n", what);
	return 0;
}
