/* clan init [--force]: writes a commented .clanrc for the project in the
 * current dir, from what init_detect makes of its files (read here, inside
 * the project only, bounded). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config/compose_files.h"
#include "config/init_detect.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/safe_path.h"
#include "base/strbuf.h"
#include "base/util.h"

enum { OPT_FORCE = 1, OPT_FROM };

static const struct opt_def init_opts[] = {
    {"force", 'f', NULL, "replace an existing .clanrc (without it, init never does)", OPT_FORCE},
    {"from", 0, "F", "not supported yet: a compose file to start from", OPT_FROM},
    {0},
};

const struct opt_cmd init_cmd = {
    .name = "init",
    .about = "Writes .clanrc for the project in the current dir from what it holds:\n"
	     "  manage.py              Django, with the database its settings.py's ENGINE names\n"
	     "                         (PostgreSQL when no settings.py is found)\n"
	     "  package.json           Node (pg, mysql2, redis dependencies add those services)\n"
	     "  requirements.txt, app.py  Flask, with the database SQLALCHEMY_DATABASE_URI or\n"
	     "                         DATABASE_URL names (app.py, config.py, .env)\n"
	     "  index.html             nginx serving the dir\n"
	     "  otherwise              one Debian service to start from\n"
	     "redis in requirements.txt adds a redis service and python3-redis. Files are read\n"
	     "up to 64 KiB, only inside the project (a symlink out of it is not followed).\n"
	     "Then: clan config (check it), clan dev (start it).\n"
	     "\n",
    .opts = init_opts,
};

static int init_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	if (id == OPT_FROM)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "init: --from %s is not supported yet: write .clanrc "
				       "by hand (clan init gives a start)",
				       v);
	*(bool *)arg = true;
	return 0;
}

/* What init read, kept for init_seen's pointers. */
struct init_files {
	char *requirements, *package_json, *settings, *app_py, *dotenv;
	struct strv notes; /* files skipped, for the user */
};

static void files_free(struct init_files *f)
{
	free(f->requirements);
	free(f->package_json);
	free(f->settings);
	free(f->app_py);
	free(f->dotenv);
	strv_free(&f->notes);
}

static bool present(int dirfd, const char *name)
{
	struct stat st;
	return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* NAME's text when it is a regular file inside the project (dirfd): a
 * symlink that climbs out is refused, a FIFO or device is never opened
 * for reading, a NUL byte makes it binary. At most INIT_READ_MAX bytes.
 * NULL, with a note when the file is there, otherwise. */
static char *read_inside(int dirfd, const char *name, struct strv *notes)
{
	struct clan_err err = {0};
	_cleanup_free_ char *abs = xasprintf("/%s", name);
	_cleanup_close_ int pfd = -1;
	struct stat st;
	if (!present(dirfd, name))
		return NULL;
	if (safe_path_open(dirfd, abs, SP_NOCREATE, &pfd, &err) < 0) {
		if (err.sys_errno != ENOENT)
			strv_push_owned(notes, xasprintf("%s not read: it leads out of the project "
							 "dir (a symlink init does not follow)",
							 name));
		return NULL;
	}
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		strv_push_owned(notes, xasprintf("%s not read: not a regular file", name));
		return NULL;
	}
	char path[64];
	fd_path(pfd, path, sizeof path);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	char *text = xmalloc(INIT_READ_MAX + 1);
	size_t len = 0;
	ssize_t n = 1;
	while (fd >= 0 && len < INIT_READ_MAX && n > 0) {
		n = read(fd, text + len, INIT_READ_MAX - len);
		if (n < 0 && errno == EINTR)
			n = 1;
		else if (n > 0)
			len += (size_t)n;
	}
	if (fd < 0 || n < 0 || memchr(text, '\0', len)) {
		strv_push_owned(notes, xasprintf("%s not read: %s", name,
						 fd < 0 || n < 0 ? strerror(errno) : "binary"));
		free(text);
		return NULL;
	}
	text[len] = '\0';
	if (len == INIT_READ_MAX && (size_t)st.st_size > len)
		strv_push_owned(
		    notes, xasprintf("%s: read its first %d KiB only", name, INIT_READ_MAX / 1024));
	return text;
}

/* Django's settings.py: at the top, else in a project dir one level down
 * (manage.py's sibling `mysite/settings.py`); the first naming an ENGINE. */
static char *find_settings(int dirfd, struct init_files *f)
{
	char *text = read_inside(dirfd, "settings.py", &f->notes);
	if (text)
		return text;
	_cleanup_close_ int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	if (d)
		dfd = -1; /* the DIR owns it */
	struct dirent *e;
	for (int seen = 0; d && (e = readdir(d)) && seen < 1000; seen++) {
		struct stat st;
		if (e->d_name[0] == '.' ||
		    fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			continue;
		_cleanup_free_ char *name = xasprintf("%s/settings.py", e->d_name);
		char *t = read_inside(dirfd, name, &f->notes);
		if (t && strstr(t, "ENGINE")) {
			free(text);
			return t;
		}
		if (!text)
			text = t;
		else
			free(t);
	}
	return text;
}

/* Reads what detection looks at from the current dir. */
static void scan(struct init_seen *s, struct init_files *f)
{
	_cleanup_close_ int dirfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	*s = (struct init_seen){0};
	if (dirfd < 0)
		return;
	s->has_manage_py = present(dirfd, "manage.py");
	s->has_package_json = present(dirfd, "package.json");
	s->has_requirements = present(dirfd, "requirements.txt");
	s->has_app_py = present(dirfd, "app.py");
	s->has_index_html = present(dirfd, "index.html");
	s->requirements = f->requirements = read_inside(dirfd, "requirements.txt", &f->notes);
	s->package_json = f->package_json = read_inside(dirfd, "package.json", &f->notes);
	if (s->has_manage_py)
		s->settings = f->settings = find_settings(dirfd, f);
	struct strbuf app = {0};
	static const char *const app_files[] = {"app.py", "wsgi.py", "config.py"};
	for (size_t i = 0; i < ARRAY_SIZE(app_files); i++) {
		_cleanup_free_ char *t = read_inside(dirfd, app_files[i], &f->notes);
		if (t) {
			strbuf_adds(&app, t);
			strbuf_addc(&app, '\n');
		}
	}
	s->app_py = f->app_py = app.s ? strbuf_steal(&app) : NULL;
	s->dotenv = f->dotenv = read_inside(dirfd, ".env", &f->notes);
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

/* A .clanrc beside a compose file would be read instead of it: the
 * project runs from its compose file as it is. */
static int compose_here(const char *dir, struct clan_err *err)
{
	struct strv found = {0};
	if (compose_default_files(dir, &found, NULL) == 0)
		return 0;
	const char *name = strrchr(found.v[0], '/') + 1;
	clan_error_code(err, CLAN_EXIT_USAGE,
			"init: %s is here, and clan runs it as it is (clan config, clan up -d); "
			"a .clanrc would be read instead of it (--force writes one anyway)",
			name);
	strv_free(&found);
	return -1;
}

int cmd_init(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	bool force = false;
	(void)ctx;

	int r = opts_parse(&init_cmd, argc, argv, init_opt, &force, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (opts_no_operands(&init_cmd, &ops, err) < 0)
		return -1;
	if (!force && faccessat(AT_FDCWD, ".clanrc", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "init: .clanrc exists already (--force replaces it)");
	char cwd[PATH_MAX];
	if (!force && compose_here(getcwd(cwd, sizeof cwd) ? cwd : ".", err) < 0)
		return -1;
	struct init_seen seen;
	struct init_files files = {0};
	struct init_plan plan;
	scan(&seen, &files);
	init_detect(&seen, &plan);
	const char *base = getcwd(cwd, sizeof cwd) ? strrchr(cwd, '/') + 1 : NULL;
	_cleanup_free_ char *text = init_render(&plan, base);
	_cleanup_free_ char *what = init_describe(&plan);
	for (size_t i = 0; i < files.notes.n; i++)
		fprintf(stderr, "clan: init: %s\n", files.notes.v[i]);
	files_free(&files);
	if (write_clanrc(text, force, err) < 0)
		return -1;
	printf("wrote .clanrc: %s\nnext: clan config (check it), clan dev (start it)\n", what);
	return 0;
}
