#define _GNU_SOURCE
#include "base/settings.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <ini.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/format.h"
#include "base/paths.h"
#include "base/strbuf.h"
#include "base/suggest.h"

static const struct setting_name names[SETTING_COUNT] = {
    [SETTING_STORAGE] = {"storage", "path", "CLAN_STORAGE"},
    [SETTING_IMAGE_PATH] = {"storage", "image_path", "CLAN_IMAGE_PATH"},
    [SETTING_REGISTRY_MIRROR] = {"registry", "mirror", "CLAN_REGISTRY_MIRROR"},
    [SETTING_DEB_MIRROR] = {"deb", "mirror", "CLAN_DEB_MIRROR"},
    [SETTING_USERNS] = {"run", "userns", "CLAN_USERNS"},
    [SETTING_NETWORK] = {"run", "network", "CLAN_NETWORK"},
    [SETTING_RM_LAYER] = {"run", "rm_layer", "CLAN_RM_LAYER"},
};

/* A settings file is at most this long: it holds a handful of lines. */
#define SETTINGS_MAX (64 * 1024)

const struct setting_name *settings_name(enum clan_setting s)
{
	return &names[s];
}

char *settings_site_file(void)
{
	const char *v = getenv("CLAN_SITE_CONFIG");
	return xstrdup(v && *v ? v : "/etc/clan/clan.conf");
}

char *settings_user_file(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/clan/clan.conf", xdg);
	return xasprintf("%s/.config/clan/clan.conf", paths_home_dir());
}

/* Whether st may be trusted: owned by root or by us and writable by no
 * other user, so no one can plant a default (a storage dir they read, a
 * mirror they serve). The user's own files may be group-writable, as
 * with a umask of 002 and a group of one's own; the site's may not. */
static bool trusted(const struct stat *st, bool site)
{
	return (st->st_uid == 0 || st->st_uid == getuid()) &&
	       (st->st_mode & (site ? 022 : 002)) == 0;
}

/* Reads path into *text. 0 with *text NULL when it does not exist; 0
 * with *untrusted set when others may write it or its dir (not read);
 * -1 with err when it cannot be read. */
static int read_conf(const char *path, bool site, char **text, char **untrusted,
		     struct clan_err *err)
{
	*text = NULL;
	*untrusted = NULL;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return clan_error(err, errno, "cannot read %s", path);
	}
	struct stat st, dir;
	_cleanup_free_ char *parent = path_dir(path);
	if (fstat(fd, &st) < 0 || stat(parent, &dir) < 0)
		return clan_error(err, errno, "cannot check %s", path);
	if (!S_ISREG(st.st_mode))
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s is not a regular file", path);
	if (!trusted(&st, site) || !trusted(&dir, site)) {
		*untrusted = xasprintf("%s is ignored: users other than root and you may write %s "
				       "(chmod go-w, owned by root or you)",
				       path, trusted(&st, site) ? parent : path);
		return 0;
	}
	if (st.st_size > SETTINGS_MAX)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s is larger than %d KiB", path,
				       SETTINGS_MAX / 1024);
	return read_fd(fd, path, SETTINGS_MAX, text, err);
}

/* $USER, $UID and $HOME (or ${...}) replaced by the account's values;
 * NULL with *bad naming the first other '$' reference. */
static char *expand(const char *v, char **bad)
{
	*bad = NULL;
	struct passwd *pw = getpwuid(getuid());
	_cleanup_free_ char *uid = xasprintf("%u", (unsigned)getuid());
	const char *user = pw && pw->pw_name ? pw->pw_name : uid;
	struct strbuf out = {0};
	for (const char *p = v; *p;) {
		if (*p != '$') {
			strbuf_addc(&out, *p++);
			continue;
		}
		bool brace = p[1] == '{';
		const char *name = p + 1 + brace;
		size_t len =
		    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz0123456789");
		const char *val = NULL;
		if (len == 4 && strncmp(name, "USER", 4) == 0)
			val = user;
		else if (len == 3 && strncmp(name, "UID", 3) == 0)
			val = uid;
		else if (len == 4 && strncmp(name, "HOME", 4) == 0)
			val = paths_home_dir();
		if (!val || (brace && name[len] != '}')) {
			*bad = xstrndup(p, (size_t)(name - p) + len + (brace && name[len] == '}'));
			strbuf_free(&out);
			return NULL;
		}
		strbuf_adds(&out, val);
		p = name + len + brace;
	}
	return strbuf_steal(&out);
}

static bool is_one_of(const char *v, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, words[i]) == 0)
			return true;
	return false;
}

/* Every entry of a colon-separated list is an absolute path (empty ones
 * are skipped, as PATH's), and there is one at least. */
static bool absolute_list(const char *v)
{
	bool any = false;
	for (const char *p = v; *p;) {
		size_t n = strcspn(p, ":");
		if (n > 0 && *p != '/')
			return false;
		any = any || n > 0;
		p += n + (p[n] == ':');
	}
	return any;
}

static bool url_like(const char *v, const char *const *schemes, size_t n)
{
	if (!*v || strpbrk(v, " \t\"'"))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strncmp(v, schemes[i], strlen(schemes[i])) == 0 && v[strlen(schemes[i])])
			return true;
	return false;
}

int settings_rm_layer(const char *v, char *size, size_t len)
{
	if (strcmp(v, "disk") == 0)
		return 0;
	size_t digits = strspn(v, "0123456789");
	if (digits > 0 && digits <= 3 && v[0] != '0' && strcmp(v + digits, "%") == 0) {
		unsigned long pct = strtoul(v, NULL, 10);
		if (pct > 100)
			return -1;
		snprintf(size, len, "%lu%%", pct);
		return 1;
	}
	/* a size goes to the kernel as bytes: no text of the user's does */
	uint64_t bytes;
	if (!parse_size(v, &bytes) || bytes < RM_LAYER_MIN)
		return -1;
	snprintf(size, len, "%" PRIu64, bytes);
	return 1;
}

/* NULL when v is a valid value of s, else what is wrong (static). */
static const char *value_problem(enum clan_setting s, const char *v)
{
	static const char *const userns[] = {"auto", "single", "subuid"};
	static const char *const network[] = {"slirp4netns", "none", "host"};
	static const char *const reg[] = {"https://", "http://"};
	static const char *const deb[] = {"https://", "http://", "file:/", "copy:/"};
	switch (s) {
	case SETTING_STORAGE:
		return *v == '/' && !strchr(v, ':') ? NULL : "is an absolute path (without ':')";
	case SETTING_IMAGE_PATH:
		return absolute_list(v) ? NULL : "is a list of absolute paths separated by ':'";
	case SETTING_REGISTRY_MIRROR:
		/* a bare HOST[:PORT] is https, as CLAN_REGISTRY_MIRROR always took it */
		return url_like(v, reg, ARRAY_SIZE(reg)) ||
			       (*v && !strstr(v, "://") && !strpbrk(v, " \t\"'"))
			   ? NULL
			   : "is a URL (https://HOST[:PORT])";
	case SETTING_DEB_MIRROR:
		return url_like(v, deb, ARRAY_SIZE(deb))
			   ? NULL
			   : "is a Debian archive URL (http://, https://, file:/ or copy:/)";
	case SETTING_USERNS:
		return is_one_of(v, userns, ARRAY_SIZE(userns)) ? NULL
								: "is auto, single or subuid";
	case SETTING_NETWORK:
		return is_one_of(v, network, ARRAY_SIZE(network)) ? NULL
								  : "is slirp4netns, none or host";
	case SETTING_RM_LAYER: {
		char size[32];
		return settings_rm_layer(v, size, sizeof size) >= 0
			   ? NULL
			   : "is disk, a size of 1m or more (512m, 2g) or a share of RAM (25%)";
	}
	case SETTING_COUNT:
		break;
	}
	return "is not a setting";
}

struct parse {
	int want;      /* the setting looked up (every entry is checked); -1: none */
	char *value;   /* the last value of want, expanded */
	char msg[512]; /* the first problem, without its line */
	/* the site's file: an unknown key or section (a newer clan's) is
	 * skipped, with one line in warnings (NULL: silently), not an error */
	bool lenient;
	struct strv *warnings;
	const char *path;
};

static int find_setting(const char *section, const char *key)
{
	for (int i = 0; i < SETTING_COUNT; i++)
		if (strcmp(names[i].section, section) == 0 && strcmp(names[i].key, key) == 0)
			return i;
	return -1;
}

/* The valid sections, or keys of section, for "did you mean". */
static size_t candidates(const char *section, const char **out)
{
	size_t n = 0;
	for (int i = 0; i < SETTING_COUNT; i++) {
		const char *c = section ? names[i].key : names[i].section;
		if (section && strcmp(names[i].section, section) != 0)
			continue;
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen = seen || strcmp(out[j], c) == 0;
		if (!seen)
			out[n++] = c;
	}
	return n;
}

static int unknown(struct parse *p, const char *section, const char *key)
{
	const char *c[SETTING_COUNT];
	bool known_section = false;
	for (int i = 0; i < SETTING_COUNT; i++)
		known_section = known_section || strcmp(names[i].section, section) == 0;
	size_t n = candidates(known_section ? section : NULL, c);
	const char *word = known_section ? key : section;
	const char *near = suggest_nearest(word, c, n);
	if (known_section)
		snprintf(p->msg, sizeof p->msg, "unknown key '%s' in [%s]%s%s%s", key, section,
			 near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
	else
		snprintf(p->msg, sizeof p->msg, "unknown section [%s]%s%s%s", section,
			 near ? "; did you mean [" : "", near ? near : "", near ? "]?" : "");
	return 0;
}

static int handler(void *user, const char *section, const char *key, const char *raw)
{
	struct parse *p = user;
	if (p->msg[0])
		return 1; /* inih names the first bad line: keep its message */
	if (!section[0]) {
		snprintf(p->msg, sizeof p->msg, "'%s' is outside a section (e.g. [storage])", key);
		return 0;
	}
	int s = find_setting(section, key);
	if (s < 0) {
		unknown(p, section, key);
		if (!p->lenient)
			return 0;
		if (p->warnings)
			strv_push_owned(p->warnings,
					xasprintf("%s: %s (ignored)", p->path, p->msg));
		p->msg[0] = '\0';
		return 1;
	}
	_cleanup_free_ char *bad = NULL;
	_cleanup_free_ char *v = expand(raw, &bad);
	if (!v) {
		snprintf(p->msg, sizeof p->msg, "%s: %s does not expand (only $USER, $UID, $HOME)",
			 key, bad);
		return 0;
	}
	const char *problem = value_problem((enum clan_setting)s, v);
	if (problem) {
		snprintf(p->msg, sizeof p->msg, "%s '%s': it %s", key, v, problem);
		return 0;
	}
	if (s == p->want) {
		free(p->value);
		p->value = steal_pointer(&v);
	}
	return 1;
}

/* Whether the first bad line of text (inih's answer, line) is one the
 * handler refused: a syntax error there comes before any message the
 * handler wrote for a later line. */
static bool handler_refused(const char *text, int line, const struct parse *p)
{
	const char *end = text;
	for (int i = 0; i < line && end; i++) {
		end = strchr(end, '\n');
		end = end ? end + 1 : NULL;
	}
	_cleanup_free_ char *head = end ? xstrndup(text, (size_t)(end - text)) : xstrdup(text);
	struct parse again = {.want = -1, .lenient = p->lenient};
	ini_parse_string(head, handler, &again);
	free(again.value);
	return again.msg[0] != '\0';
}

/* Parses text; -1 with err (FILE:LINE) when it is bad. */
static int parse_text(const char *path, const char *text, struct parse *p, struct clan_err *err)
{
	int line = ini_parse_string(text, handler, p);
	if (line == 0)
		return 0;
	if (line < 0)
		return clan_error(err, ENOMEM, "cannot parse %s", path);
	bool theirs = p->msg[0] && handler_refused(text, line, p);
	return clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d: %s", path, line,
			       theirs ? p->msg : "not a [section] or key = value line");
}

/* The value of want in the file at path; NULL when it is absent,
 * untrusted or bad. */
static char *file_value(const char *path, bool lenient, enum clan_setting want)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *untrusted = NULL;
	struct clan_err ignored;
	if (read_conf(path, lenient, &text, &untrusted, &ignored) < 0 || !text)
		return NULL;
	struct parse p = {.want = (int)want, .lenient = lenient, .path = path};
	if (parse_text(path, text, &p, &ignored) < 0) {
		free(p.value);
		return NULL;
	}
	return p.value;
}

char *settings_get(enum clan_setting s, char **origin)
{
	if (origin)
		*origin = NULL;
	const char *env = getenv(names[s].env);
	if (env && *env) {
		if (origin)
			*origin = xstrdup(names[s].env);
		return xstrdup(env);
	}
	char *files[2] = {settings_user_file(), settings_site_file()};
	char *v = NULL;
	for (size_t i = 0; i < 2 && !v; i++) {
		v = file_value(files[i], i == 1, s);
		if (v && origin)
			*origin = steal_pointer(&files[i]);
	}
	free(files[0]);
	free(files[1]);
	return v;
}

/* The variables are checked like the files' values; CLAN_STORAGE may also
 * be relative (to the current dir), as it always could. */
static int check_env(struct clan_err *err)
{
	for (int i = 0; i < SETTING_COUNT; i++) {
		const char *v = getenv(names[i].env);
		const char *problem =
		    v && *v && i != SETTING_STORAGE ? value_problem((enum clan_setting)i, v) : NULL;
		if (problem)
			return clan_error_code(err, CLAN_EXIT_USAGE, "%s='%s': it %s", names[i].env,
					       v, problem);
	}
	return 0;
}

int settings_check(struct strv *warnings, struct clan_err *err)
{
	if (check_env(err) < 0)
		return -1;
	char *files[2] = {settings_site_file(), settings_user_file()};
	int rc = 0;
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		_cleanup_free_ char *text = NULL;
		_cleanup_free_ char *untrusted = NULL;
		rc = read_conf(files[i], i == 0, &text, &untrusted, err);
		if (untrusted)
			strv_push(warnings, untrusted);
		if (rc == 0 && text) {
			struct parse p = {
			    .want = -1, .lenient = i == 0, .warnings = warnings, .path = files[i]};
			rc = parse_text(files[i], text, &p, err);
			free(p.value);
		}
	}
	free(files[0]);
	free(files[1]);
	return rc;
}
