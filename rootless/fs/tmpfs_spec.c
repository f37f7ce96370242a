#define _GNU_SOURCE
#include "fs/tmpfs_spec.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "base/format.h"
#include "base/suggest.h"
#include "base/util.h"

#define TMPFS_DEFAULT_FLAGS (MS_NOEXEC | MS_NOSUID | MS_NODEV)

/* The flags docker's --tmpfs takes: each sets or clears one mount flag. */
static const struct {
	const char *name;
	unsigned long flag;
	bool set;
} flag_opts[] = {
    {"ro", MS_RDONLY, true},	{"rw", MS_RDONLY, false},    {"noexec", MS_NOEXEC, true},
    {"exec", MS_NOEXEC, false}, {"nosuid", MS_NOSUID, true}, {"suid", MS_NOSUID, false},
    {"nodev", MS_NODEV, true},	{"dev", MS_NODEV, false},
};

void tmpfs_spec_init(struct tmpfs_spec *t, const char *dst)
{
	*t = (struct tmpfs_spec){.dst = xstrdup(dst), .flags = TMPFS_DEFAULT_FLAGS};
}

void tmpfs_spec_free(struct tmpfs_spec *t)
{
	free(t->dst);
	t->dst = NULL;
}

int tmpfs_check_target(const char *dst, struct clan_err *err)
{
	if (dst[0] != '/')
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "bad tmpfs target '%s': the container path must be absolute",
				       dst);
	for (const char *p = dst; (p = strstr(p, "..")); p += 2)
		if ((p == dst || p[-1] == '/') && (p[2] == '/' || !p[2]))
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "bad tmpfs target '%s': '..' is not allowed in it",
					       dst);
	return 0;
}

/* An octal mode, at most 07777 (the kernel keeps only those bits). */
static bool parse_mode(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '7' || (v = v * 8 + (uint32_t)(*s - '0')) > 07777)
			return false;
	}
	*out = v;
	return true;
}

static int bad_option(const char *text, const char *opt, struct clan_err *err)
{
	const char *names[ARRAY_SIZE(flag_opts) + 2] = {"size", "mode"};
	for (size_t i = 0; i < ARRAY_SIZE(flag_opts); i++)
		names[i + 2] = flag_opts[i].name;
	_cleanup_free_ char *key = xstrndup(opt, strcspn(opt, "="));
	suggest_error(err, "option", key, names, ARRAY_SIZE(names),
		      "size=N[k|m|g], mode=OCTAL, ro, rw, exec, noexec, suid, nosuid, dev, nodev");
	return clan_error_wrap(err, "bad tmpfs '%s'", text);
}

static int apply_option(const char *text, const char *opt, struct tmpfs_spec *t,
			struct clan_err *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_opts); i++)
		if (strcmp(opt, flag_opts[i].name) == 0) {
			t->flags = flag_opts[i].set ? t->flags | flag_opts[i].flag
						    : t->flags & ~flag_opts[i].flag;
			return 0;
		}
	if (strncmp(opt, "size=", 5) == 0) {
		if (!parse_size(opt + 5, &t->size))
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "bad tmpfs '%s': '%s': expected size=N[k|m|g] (bytes "
			    "without a unit; size=0 is no limit)",
			    text, opt);
		t->has_size = true;
		return 0;
	}
	if (strncmp(opt, "mode=", 5) == 0) {
		if (!parse_mode(opt + 5, &t->mode))
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "bad tmpfs '%s': '%s': expected an octal mode, at most "
			    "7777 (e.g. mode=1777)",
			    text, opt);
		t->has_mode = true;
		return 0;
	}
	return bad_option(text, opt, err);
}

int tmpfs_spec_parse(const char *text, struct tmpfs_spec *t, struct clan_err *err)
{
	const char *colon = strchr(text, ':');
	_cleanup_free_ char *dst = xstrndup(text, colon ? (size_t)(colon - text) : strlen(text));
	if (tmpfs_check_target(dst, err) < 0)
		return -1;
	struct tmpfs_spec parsed;
	tmpfs_spec_init(&parsed, dst);
	_cleanup_free_ char *opts = xstrdup(colon ? colon + 1 : "");
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		if (apply_option(text, o, &parsed, err) < 0) {
			tmpfs_spec_free(&parsed);
			return -1;
		}
	}
	*t = parsed;
	return 0;
}

char *tmpfs_spec_data(const struct tmpfs_spec *t)
{
	if (t->has_mode && t->has_size)
		return xasprintf("mode=%o,size=%llu", t->mode, (unsigned long long)t->size);
	if (t->has_mode)
		return xasprintf("mode=%o", t->mode);
	if (t->has_size)
		return xasprintf("size=%llu", (unsigned long long)t->size);
	return xstrdup("");
}
