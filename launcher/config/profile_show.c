/* The profiles as `clan profiles` and `clan profile show` print them. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/profile.h"
#include "config/profile_builtin.h"
#include "base/strbuf.h"
#include "base/suggest.h"

#define PROFILE_SHOW_MAX (1 << 20) /* profile_load's limit */

char *profile_list_text(const char *const *dirs)
{
	struct strv names = {0};
	struct strbuf b = {0};
	size_t width = 4;
	profile_list(dirs, &names);
	for (size_t i = 0; i < names.n; i++)
		if (strlen(names.v[i]) > width)
			width = strlen(names.v[i]);
	for (size_t i = 0; i < names.n; i++) {
		struct profile p;
		struct clan_err err = {0};
		_cleanup_free_ char *line = NULL;
		if (profile_load(dirs, names.v[i], &p, &err) < 0) {
			line = xasprintf("%-*s  (does not load: %s)\n", (int)width, names.v[i],
					 err.msg);
		} else {
			line = xasprintf("%-*s  %s\n", (int)width, names.v[i],
					 p.description ? p.description : "(no description)");
			profile_free(&p);
		}
		strbuf_adds(&b, line);
	}
	strv_free(&names);
	return strbuf_steal(&b);
}

/* "unknown profile 'x' (did you mean y? available: a, b)" */
static int unknown(const char *const *dirs, const char *name, struct clan_err *err)
{
	struct strv names = {0};
	struct strbuf list = {0};
	profile_list(dirs, &names);
	const char *near = suggest_nearest(name, (const char *const *)names.v, names.n);
	for (size_t i = 0; i < names.n; i++) {
		strbuf_adds(&list, i ? ", " : "");
		strbuf_adds(&list, names.v[i]);
	}
	clan_error_code(err, CLAN_EXIT_USAGE, "unknown profile '%s' (%s%s%savailable: %s)", name,
			near ? "did you mean " : "", near ? near : "", near ? "? " : "",
			list.s ? list.s : "none found");
	err->sys_errno = ENOENT;
	strbuf_free(&list);
	strv_free(&names);
	return -1;
}

int profile_show_text(const char *const *dirs, const char *name, char **out, struct clan_err *err)
{
	struct profile p;
	if (profile_load(dirs, name, &p, err) < 0)
		return err->sys_errno == ENOENT ? unknown(dirs, name, err) : -1;
	_cleanup_free_ char *text = NULL;
	int r = 0;
	if (profile_is_builtin_path(p.path))
		text = xstrdup(profile_builtin_text(name));
	else
		r = read_file(p.path, PROFILE_SHOW_MAX, &text, err);
	if (r == 0) {
		size_t n = strlen(text);
		*out = xasprintf("# %s\n%s%s", p.path, text, n && text[n - 1] != '\n' ? "\n" : "");
	}
	profile_free(&p);
	return r;
}
