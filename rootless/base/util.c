#define _GNU_SOURCE
#include "base/util.h"

#include <errno.h>
#include <sys/signalfd.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

void cleanup_freep(void *p)
{
	free(*(void **)p);
}

void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

void cleanup_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static void *check_oom(void *p)
{
	if (!p) {
		fputs("clan: out of memory\n", stderr);
		abort();
	}
	return p;
}

void *xmalloc(size_t n)
{
	return check_oom(malloc(n ? n : 1));
}

void *xcalloc(size_t n, size_t size)
{
	return check_oom(calloc(n ? n : 1, size ? size : 1));
}

void *xrealloc(void *p, size_t n)
{
	return check_oom(realloc(p, n ? n : 1));
}

char *xstrdup(const char *s)
{
	return check_oom(strdup(s));
}

char *xstrndup(const char *s, size_t n)
{
	return check_oom(strndup(s, n));
}

char *xasprintf(const char *fmt, ...)
{
	char *s;
	va_list ap;

	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return check_oom(r < 0 ? NULL : s);
}

char *path_join(const char *dir, const char *name)
{
	return xasprintf("%s/%s", strcmp(dir, "/") ? dir : "", name);
}

char *path_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

bool parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

void strv_push_owned(struct strv *s, char *str)
{
	if (s->n + 2 > s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
}

void strv_push(struct strv *s, const char *str)
{
	strv_push_owned(s, xstrdup(str));
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

void strv_extend(struct strv *to, const struct strv *from)
{
	for (size_t i = 0; i < from->n; i++)
		strv_push(to, from->v[i]);
}

bool strv_contains(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

int read_file(const char *path, size_t max, char **out, struct clan_err *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return clan_error(err, errno, "cannot open %s", path);
	return read_fd(fd, path, max, out, err);
}

int read_fd(int fd, const char *what, size_t max, char **out, struct clan_err *err)
{
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return clan_error(err, errno, "cannot read %s", what);
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return clan_error(err, 0, "%s is larger than %zu bytes", what, max);
	}
	buf[len] = '\0';
	*out = steal_pointer(&buf);
	return 0;
}

static bool is_executable_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

bool find_program(const char *name, char *out, size_t len)
{
	static const char *const system_dirs[] = {"/usr/bin", "/bin"};
	for (size_t i = 0; i < ARRAY_SIZE(system_dirs); i++) {
		snprintf(out, len, "%s/%s", system_dirs[i], name);
		if (is_executable_file(out))
			return true;
	}
	const char *env = getenv("PATH");
	_cleanup_free_ char *path = xstrdup(env ? env : "");
	char *save = NULL;
	for (char *dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (dir[0] != '/')
			continue; /* a relative entry depends on where clan runs */
		snprintf(out, len, "%s/%s", dir, name);
		if (is_executable_file(out))
			return true;
	}
	return false;
}

bool write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

int write_file(const char *path, const char *data, size_t len, struct clan_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return clan_error(err, errno, "cannot create %s", path);
	if (!write_all(fd, data, len))
		return clan_error(err, errno, "cannot write %s", path);
	if (close(steal_fd(&fd)) < 0)
		return clan_error(err, errno, "cannot write %s", path);
	return 0;
}

int write_existing(const char *path, const char *data, struct clan_err *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return clan_error(err, errno, "cannot open %s", path);
	size_t len = strlen(data);
	ssize_t n = write(fd, data, len);
	if (n < 0 || (size_t)n != len)
		return clan_error(err, n < 0 ? errno : EIO, "cannot write %s", path);
	return 0;
}

int mkdir_p(const char *path, mode_t mode, struct clan_err *err)
{
	if (!*path)
		return clan_error(err, ENOENT, "cannot create a directory with an empty name");
	_cleanup_free_ char *copy = xstrdup(path);
	for (char *p = copy + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return clan_error(err, errno, "cannot create directory %s", copy);
		*p = saved;
		if (saved == '\0')
			break;
	}
	return 0;
}

/* Removes name below dirfd. Directories we own but cannot enter or
 * change (overlay's work/work is mode 0000) are opened up first. */
static int remove_at(int dirfd, const char *name, int depth);

int remove_tree_at(int dirfd, const char *name)
{
	return remove_at(dirfd, name, 0);
}

static int remove_at(int dirfd, const char *name, int depth)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	if (depth > 4096) {
		errno = ELOOP;
		return -1;
	}
	if ((st.st_mode & 0700) != 0700 && fchmodat(dirfd, name, 0700, 0) < 0)
		return -1;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	int rc = 0;
	for (struct dirent *e; rc == 0 && (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			rc = remove_at(fd, e->d_name, depth + 1);
	closedir(d);
	if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
		rc = -1;
	return rc;
}

int remove_tree(const char *path, struct clan_err *err)
{
	if (remove_at(AT_FDCWD, path, 0) < 0)
		return clan_error(err, errno, "cannot remove %s", path);
	return 0;
}

ssize_t read_append(int fd, char **buf, size_t *len, size_t *cap)
{
	if (*len + 4096 > *cap) {
		*cap = *cap ? *cap * 2 : 8192;
		*buf = xrealloc(*buf, *cap);
	}
	ssize_t n;
	do
		n = read(fd, *buf + *len, *cap - *len - 1);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		*len += (size_t)n;
	(*buf)[*len] = '\0';
	return n;
}

char *read_to_eof(int fd)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;
	while (read_append(fd, &buf, &len, &cap) > 0)
		;
	return xrealloc(buf, len + 1);
}

int signals_to_fd(const int *sigs, size_t n, sigset_t *old, struct clan_err *err)
{
	sigset_t set, saved;
	sigemptyset(&set);
	for (size_t i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, &saved) < 0)
		return clan_error(err, errno, "cannot block signals");
	int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &saved, NULL);
		return clan_error(err, e, "cannot create a signalfd");
	}
	if (old)
		*old = saved;
	return fd;
}

pid_t fork_piped(int *fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		errno = e;
		return -1;
	}
	close(pid == 0 ? p[0] : p[1]);
	*fd = pid == 0 ? p[1] : p[0];
	return pid;
}
