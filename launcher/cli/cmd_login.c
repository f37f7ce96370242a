/* clan login [-u USER] [--password-stdin] [REGISTRY]: checks a user and
 * password against a registry and files them where docker and podman look
 * ($REGISTRY_AUTH_FILE, else ~/.docker/config.json). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "registry/registry.h"
#include "base/util.h"

#define SECRET_MAX 4096

enum { OPT_USER = 1, OPT_STDIN };

static const struct opt_def login_opts[] = {
    {"username", 'u', "USER", "the user (asked for on a terminal when not given)", OPT_USER},
    {"password-stdin", 0, NULL, "read the password from stdin (else asked without echo)",
     OPT_STDIN},
    {0},
};

const struct opt_cmd login_cmd = {
    .name = "login",
    .operands = "[REGISTRY]",
    .about = "REGISTRY is host[:port]; docker.io when not given.\n",
    .opts = login_opts,
};

struct login_args {
	const char *user;
	bool from_stdin;
};

static int login_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct login_args *a = arg;
	(void)err;
	if (id == OPT_USER)
		a->user = v;
	else
		a->from_stdin = true;
	return 0;
}

/* Strips the line end; false when nothing is left. */
static bool chomp(char *s)
{
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return n > 0;
}

static int read_stdin_secret(char **out, struct clan_err *err)
{
	char *buf = xcalloc(SECRET_MAX + 1, 1);
	size_t len = 0;
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf + len, SECRET_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return clan_error(err, errno, "cannot read the password from stdin");
		}
		if (n == 0 || (len += (size_t)n) == SECRET_MAX)
			break;
	}
	buf[len] = '\0';
	if (!chomp(buf)) {
		free(buf);
		return clan_error_code(err, CLAN_EXIT_USAGE, "stdin gave an empty password");
	}
	*out = buf;
	return 0;
}

static int echo_off(int fd, struct termios *old, struct clan_err *err)
{
	if (tcgetattr(fd, old) < 0)
		return clan_error(err, errno, "cannot read the terminal's settings");
	struct termios quiet = *old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
		return clan_error(err, errno, "cannot turn the terminal's echo off");
	return 0;
}

/* Asks on the terminal; echo off for a password, restored afterwards. */
static int ask_tty(const char *prompt, bool secret, char **out, struct clan_err *err)
{
	_cleanup_close_ int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return clan_error_code(
		    err, CLAN_EXIT_USAGE, "no terminal to ask for the %s on; use %s",
		    secret ? "password" : "user", secret ? "--password-stdin" : "-u USER");
	struct termios old;
	if (secret && echo_off(fd, &old, err) < 0)
		return -1;
	char buf[SECRET_MAX + 1];
	ssize_t n = -1;
	if (write_all(fd, prompt, strlen(prompt)))
		while ((n = read(fd, buf, SECRET_MAX)) < 0 && errno == EINTR)
			;
	int saved = errno;
	if (secret) {
		tcsetattr(fd, TCSAFLUSH, &old);
		(void)!write(fd, "\n", 1);
	}
	if (n < 0)
		return clan_error(err, saved, "cannot read from the terminal");
	buf[n] = '\0';
	bool ok = chomp(buf);
	if (ok)
		*out = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	if (!ok)
		return clan_error_code(err, CLAN_EXIT_USAGE, "an empty %s",
				       secret ? "password" : "user");
	return 0;
}

static int login_with(const char *registry, const char *user_opt, bool from_stdin,
		      struct clan_err *err)
{
	_cleanup_free_ char *user = user_opt ? xstrdup(user_opt) : NULL;
	_cleanup_free_ char *password = NULL;
	int rc = 0;
	if (!user)
		rc = ask_tty("Username: ", false, &user, err);
	if (rc == 0)
		rc = from_stdin ? read_stdin_secret(&password, err)
				: ask_tty("Password: ", true, &password, err);
	if (rc == 0)
		rc = registry_login(registry, user, password, err);
	if (password)
		explicit_bzero(password, strlen(password));
	if (rc < 0)
		return clan_error_wrap(err, "login");
	puts("login succeeded");
	return 0;
}

int cmd_login(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct login_args a = {0};
	(void)ctx;

	int r = opts_parse(&login_cmd, argc, argv, login_opt, &a, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n > 1)
		return clan_error_code(err, CLAN_EXIT_USAGE, "login: name one registry");
	if (a.from_stdin && !a.user)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "login: --password-stdin needs -u USER");
	return login_with(ops.n ? ops.v[0] : "docker.io", a.user, a.from_stdin, err);
}
