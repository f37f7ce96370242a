/* Unit tests for rootless/base/settings: the site's and the user's
 * clan.conf and the CLAN_* variables over them, values checked, files
 * others may write ignored. */
#define _GNU_SOURCE
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/settings.h"
#include "tap.h"
#include "base/util.h"

/* A fresh dir holding site.conf and user/clan/clan.conf, set as
 * CLAN_SITE_CONFIG and XDG_CONFIG_HOME; the variables unset. */
struct confs {
	char dir[64];
	char *site, *user;
};

static void confs_make(struct confs *c)
{
	snprintf(c->dir, sizeof c->dir, "/tmp/clan-settings.XXXXXX");
	if (!mkdtemp(c->dir))
		abort();
	chmod(c->dir, 0755);
	c->site = xasprintf("%s/site.conf", c->dir);
	_cleanup_free_ char *udir = xasprintf("%s/user/clan", c->dir);
	struct clan_err err;
	if (mkdir_p(udir, 0755, &err) < 0)
		abort();
	c->user = xasprintf("%s/clan.conf", udir);
	_cleanup_free_ char *xdg = xasprintf("%s/user", c->dir);
	setenv("CLAN_SITE_CONFIG", c->site, 1);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	for (int i = 0; i < SETTING_COUNT; i++)
		unsetenv(settings_name((enum clan_setting)i)->env);
}

static void confs_write(const char *path, const char *text, mode_t mode)
{
	struct clan_err err;
	unlink(path);
	if (write_file(path, text, strlen(text), &err) < 0 || chmod(path, mode) < 0)
		abort();
}

static void confs_free(struct confs *c)
{
	struct clan_err err;
	remove_tree(c->dir, &err);
	free(c->site);
	free(c->user);
	unsetenv("CLAN_SITE_CONFIG");
	unsetenv("XDG_CONFIG_HOME");
}

/* settings_check's error for the text as the file at path; "" when it
 * passes. */
static char *check_file(const char *path, const char *text)
{
	confs_write(path, text, 0644);
	struct strv warnings = {0};
	struct clan_err err = {0};
	int rc = settings_check(&warnings, &err);
	strv_free(&warnings);
	return xstrdup(rc < 0 ? err.msg : "");
}

TEST(precedence_and_origin)
{
	struct confs c;
	confs_make(&c);
	struct passwd *pw = getpwuid(getuid());
	confs_write(c.site, "[storage]\npath = /scratch/$USER/c\n[run]\nuserns = single\n", 0644);
	confs_write(c.user, "[run]\nuserns = subuid ; inline comment\n", 0644);
	char *origin = NULL;
	char *v = settings_get(SETTING_STORAGE, &origin);
	_cleanup_free_ char *want = xasprintf("/scratch/%s/c", pw->pw_name);
	CHECK_STR(v, want);
	CHECK_STR(origin, c.site);
	free(v);
	free(origin);
	v = settings_get(SETTING_USERNS, &origin);
	CHECK_STR(v, "subuid");
	CHECK_STR(origin, c.user);
	free(v);
	free(origin);
	setenv("CLAN_USERNS", "auto", 1);
	v = settings_get(SETTING_USERNS, &origin);
	CHECK_STR(v, "auto");
	CHECK_STR(origin, "CLAN_USERNS");
	free(v);
	free(origin);
	CHECK(settings_get(SETTING_DEB_MIRROR, NULL) == NULL);
	confs_free(&c);
}

/* rm_layer: a docker-style size of 1m or more or a share of RAM, or disk;
 * what reaches the kernel's mount options is clan's own text (bytes or
 * N%), never the user's. */
TEST(rm_layer_values)
{
	struct confs c;
	confs_make(&c);
	static const char *const good[][2] = {{"25%", "25%"},	      {"100%", "100%"},
					      {"1%", "1%"},	      {"512m", "536870912"},
					      {"2G", "2147483648"},   {"1.5g", "1610612736"},
					      {"2GiB", "2147483648"}, {"5mb", "5242880"},
					      {"1048576", "1048576"}, {"disk", ""}};
	static const char *const bad[] = {"0",	"0%",	"101%",		"1000%", "lots",
					  "-1", "25 %", "1g,mode=0777", "512k",	 "99999999999999g",
					  "%",	"m",	"Disk",		"",	 "25%,uid=0"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		_cleanup_free_ char *text = xasprintf("[run]\nrm_layer = %s\n", good[i][0]);
		_cleanup_free_ char *msg = check_file(c.user, text);
		char size[32] = "";
		int r = settings_rm_layer(good[i][0], size, sizeof size);
		if (*msg || strcmp(size, good[i][1]) != 0)
			printf("# %s: '%s' '%s'\n", good[i][0], msg, size);
		CHECK(*msg == '\0' && r == (*good[i][1] ? 1 : 0) && strcmp(size, good[i][1]) == 0);
	}
	_cleanup_free_ char *v = settings_get(SETTING_RM_LAYER, NULL);
	CHECK(v && strcmp(v, "disk") == 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		_cleanup_free_ char *text = xasprintf("[run]\nrm_layer = %s\n", bad[i]);
		_cleanup_free_ char *msg = check_file(c.user, text);
		char size[32];
		if (!strstr(msg, "is disk, a size") ||
		    settings_rm_layer(bad[i], size, sizeof size) >= 0)
			printf("# %s: '%s'\n", bad[i], msg);
		CHECK(strstr(msg, "is disk, a size") != NULL &&
		      settings_rm_layer(bad[i], size, sizeof size) < 0);
	}
	/* the variable is checked the same way */
	confs_write(c.user, "; nothing\n", 0644);
	setenv("CLAN_RM_LAYER", "10%,uid=0", 1);
	_cleanup_free_ char *env_msg = check_file(c.user, "; nothing\n");
	CHECK(strstr(env_msg, "CLAN_RM_LAYER") != NULL);
	unsetenv("CLAN_RM_LAYER");
	confs_free(&c);
}

TEST(bad_files_name_the_line)
{
	struct confs c;
	confs_make(&c);
	static const char *const cases[][2] = {
	    {"[storage]\npaht = /x\n", ":2: unknown key 'paht' in [storage]; did you mean path?"},
	    {"[stroage]\npath = /x\n", ":2: unknown section [stroage]; did you mean [storage]?"},
	    {"path = /x\n", ":1: 'path' is outside a section"},
	    {"[run]\nnetwork = bridge\n", "network 'bridge': it is slirp4netns, none or host"},
	    {"[storage]\npath = rel\n", "it is an absolute path"},
	    {"[storage]\npath = /a:/b\n", "it is an absolute path"},
	    {"[storage]\nimage_path = /a::b\n", "a list of absolute paths"},
	    {"[storage]\npath = /x/${USER\n", "${USER does not expand"},
	    {"[storage]\npath = /x/$\n", "$ does not expand"},
	    {"[storage]\npath = /x/$PATH\n", "$PATH does not expand"},
	    {"[deb]\nmirror = ftp://x\n", "a Debian archive URL"},
	    {"[registry]\nmirror = http://a b\n", "is a URL"},
	    {"garbage\n", ":1: not a [section] or key = value line"},
	    /* the first bad line's own message, whatever comes after */
	    {"garbage\n[run]\nuserns = x\n", ":1: not a [section] or key = value line"},
	    {"[run]\nuserns = x\nnetwork = y\n", ":2: userns 'x'"},
	    {"[run]\nuserns = x\ngarbage\n", ":2: userns 'x'"},
	};
	/* the user's file: every problem stops clan */
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		_cleanup_free_ char *msg = check_file(c.user, cases[i][0]);
		if (!strstr(msg, cases[i][1]) || !strstr(msg, c.user))
			printf("# case %zu: '%s'\n", i, msg);
		CHECK(strstr(msg, cases[i][1]) != NULL && strstr(msg, c.user) != NULL);
	}
	confs_write(c.user, "; nothing\n", 0644);
	/* the site's: a key or section this clan does not know (a newer
	 * clan's) is a warning, a bad value still an error */
	confs_write(c.site, "[storage]\npath = /ok\nquota = 5\n[gpu]\nx = 1\n", 0644);
	struct strv warnings = {0};
	struct clan_err err = {0};
	CHECK(settings_check(&warnings, &err) == 0);
	CHECK(warnings.n == 2 &&
	      strstr(warnings.v[0], "unknown key 'quota' in [storage] (ignored)"));
	strv_free(&warnings);
	_cleanup_free_ char *v = settings_get(SETTING_STORAGE, NULL);
	CHECK_STR(v, "/ok");
	_cleanup_free_ char *bad_value = check_file(c.site, "[run]\nuserns = x\n");
	CHECK(strstr(bad_value, "userns 'x'") != NULL);
	/* a bad file counts as absent for lookups */
	confs_write(c.site, "[storage]\npath = /good\n[run]\nuserns = bad\n", 0644);
	CHECK(settings_get(SETTING_STORAGE, NULL) == NULL);
	/* a bad variable is refused too */
	_cleanup_free_ char *ok = check_file(c.site, "; empty\n");
	CHECK_STR(ok, "");
	setenv("CLAN_NETWORK", "bridge", 1);
	_cleanup_free_ char *bad = check_file(c.site, "; empty\n");
	CHECK(strstr(bad, "CLAN_NETWORK='bridge'") != NULL);
	confs_free(&c);
}

/* A hostile local user: a site file (or its dir) that others may write
 * plants no defaults; a fifo or a huge file does not hang or exhaust. */
TEST(untrusted_and_odd_files)
{
	struct confs c;
	confs_make(&c);
	confs_write(c.site, "[storage]\npath = /planted\n", 0666);
	CHECK(settings_get(SETTING_STORAGE, NULL) == NULL);
	struct strv warnings = {0};
	struct clan_err err = {0};
	CHECK(settings_check(&warnings, &err) == 0);
	CHECK(warnings.n == 1 && strstr(warnings.v[0], "is ignored"));
	strv_free(&warnings);
	confs_write(c.site, "[storage]\npath = /fine\n", 0644);
	CHECK(chmod(c.dir, 0777) == 0);
	CHECK(settings_get(SETTING_STORAGE, NULL) == NULL);
	CHECK(chmod(c.dir, 0755) == 0);
	_cleanup_free_ char *v = settings_get(SETTING_STORAGE, NULL);
	CHECK_STR(v, "/fine");

	CHECK(unlink(c.site) == 0 && mkfifo(c.site, 0644) == 0);
	CHECK(settings_check(&warnings, &err) < 0 && strstr(err.msg, "not a regular file"));
	CHECK(unlink(c.site) == 0);
	size_t big = 128 * 1024;
	char *text = xmalloc(big + 1);
	memset(text, ';', big);
	text[big] = '\0';
	confs_write(c.site, text, 0644);
	free(text);
	CHECK(settings_check(&warnings, &err) < 0 && strstr(err.msg, "larger than"));
	strv_free(&warnings);
	confs_free(&c);
}
