/* deb: images: the Debian mirror to build from, taken from the host's own
 * apt sources at run time (one-line *.list and deb822 *.sources files). */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "debimage/debimage_int.h"
#include "base/settings.h"
#include "base/util.h"

static void note_entry(struct deb_sources *out, const char *codename, const char *uri,
		       const char *suite)
{
	size_t n = strlen(codename);
	if (strncmp(suite, codename, n) != 0)
		return;
	const char *rest = suite + n;
	char **slot = NULL;
	if (!*rest)
		slot = &out->archive;
	else if (strcmp(rest, "-updates") == 0)
		slot = &out->updates;
	else if (strcmp(rest, "-security") == 0 || strcmp(rest, "/updates") == 0)
		slot = &out->security;
	if (slot && !*slot)
		*slot = xstrdup(uri);
}

/* One-line format: deb [options] URI SUITE [COMPONENT...] */
static void scan_one_line(char *line, const char *codename, struct deb_sources *out)
{
	char *save = NULL, *w = strtok_r(line, " \t", &save);
	if (!w || strcmp(w, "deb") != 0)
		return;
	w = strtok_r(NULL, " \t", &save);
	if (w && w[0] == '[') {
		while (w && !strchr(w, ']'))
			w = strtok_r(NULL, " \t", &save);
		w = w ? strtok_r(NULL, " \t", &save) : NULL;
	}
	char *suite = w ? strtok_r(NULL, " \t", &save) : NULL;
	if (suite)
		note_entry(out, codename, w, suite);
}

struct stanza {
	char *types, *uris, *suites, *enabled;
};

static void stanza_flush(struct stanza *s, const char *codename, struct deb_sources *out)
{
	bool is_deb = false;
	char *save = NULL;
	for (char *w = s->types ? strtok_r(s->types, " \t", &save) : NULL; w;
	     w = strtok_r(NULL, " \t", &save))
		is_deb = is_deb || strcmp(w, "deb") == 0;
	if (is_deb && s->uris && s->suites && !(s->enabled && strcmp(s->enabled, "no") == 0)) {
		char *su = NULL, *ss = NULL;
		for (char *u = strtok_r(s->uris, " \t", &su); u; u = strtok_r(NULL, " \t", &su)) {
			_cleanup_free_ char *suites = xstrdup(s->suites);
			for (char *x = strtok_r(suites, " \t", &ss); x;
			     x = strtok_r(NULL, " \t", &ss))
				note_entry(out, codename, u, x);
		}
	}
	free(s->types);
	free(s->uris);
	free(s->suites);
	free(s->enabled);
	*s = (struct stanza){0};
}

/* deb822: stanzas of "Field: value" lines (continued by indented lines),
 * separated by blank lines. */
static void scan_deb822(char *text, const char *codename, struct deb_sources *out)
{
	struct stanza s = {0};
	char **last = NULL;
	for (char *line; (line = strsep(&text, "\n"));) {
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '#')
			continue;
		size_t blank = strspn(line, " \t");
		char *colon = strchr(line, ':');
		if (!line[blank]) {
			stanza_flush(&s, codename, out);
			last = NULL;
		} else if (blank > 0 && last && *last) {
			char *joined = xasprintf("%s %s", *last, line + blank);
			free(*last);
			*last = joined;
		} else if (blank == 0 && colon) {
			*colon = '\0';
			last = strcasecmp(line, "Types") == 0	  ? &s.types
			       : strcasecmp(line, "URIs") == 0	  ? &s.uris
			       : strcasecmp(line, "Suites") == 0  ? &s.suites
			       : strcasecmp(line, "Enabled") == 0 ? &s.enabled
								  : NULL;
			if (last) {
				free(*last);
				*last = xstrdup(colon + 1 + strspn(colon + 1, " \t"));
			}
		}
	}
	stanza_flush(&s, codename, out);
}

void debimage_sources_scan(const char *text, bool deb822, const char *codename,
			   struct deb_sources *out)
{
	_cleanup_free_ char *copy = xstrdup(text);
	char *p = copy;
	if (deb822) {
		scan_deb822(p, codename, out);
		return;
	}
	for (char *line; (line = strsep(&p, "\n"));) {
		line[strcspn(line, "#\r")] = '\0';
		scan_one_line(line, codename, out);
	}
}

void debimage_mirror_lines(const struct deb_sources *src, const char *suite, struct strv *lines)
{
	if (!src->archive)
		return;
	strv_push_owned(lines, xasprintf("deb %s %s main", src->archive, suite));
	/* only a release has -updates and -security: not sid, nor a suite
	 * that is itself a pocket such as bookworm-backports */
	static const char *const unstable[] = {"sid", "unstable", "experimental", "rc-buggy"};
	bool release = !strchr(suite, '-');
	for (size_t i = 0; i < ARRAY_SIZE(unstable); i++)
		release = release && strcmp(suite, unstable[i]) != 0;
	if (release && src->updates)
		strv_push_owned(lines, xasprintf("deb %s %s-updates main", src->updates, suite));
	if (release && src->security)
		strv_push_owned(lines, xasprintf("deb %s %s-security main", src->security, suite));
}

void debimage_sources_free(struct deb_sources *s)
{
	free(s->archive);
	free(s->updates);
	free(s->security);
	*s = (struct deb_sources){0};
}

/* VERSION_CODENAME of a Debian host (ID=debian), else NULL: another
 * distribution's archive cannot serve Debian suites. */
static char *host_debian_codename(void)
{
	_cleanup_free_ char *text = NULL;
	struct clan_err ignored;
	if (read_file("/etc/os-release", 1 << 16, &text, &ignored) < 0 &&
	    read_file("/usr/lib/os-release", 1 << 16, &text, &ignored) < 0)
		return NULL;
	bool debian = false;
	char *codename = NULL, *save = NULL;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(l, '=');
		if (!v)
			continue;
		*v++ = '\0';
		size_t vlen = strlen(v);
		if (vlen >= 2 && (v[0] == '"' || v[0] == '\'') && v[vlen - 1] == v[0]) {
			v[vlen - 1] = '\0';
			v++;
		}
		if (strcmp(l, "ID") == 0)
			debian = strcmp(v, "debian") == 0;
		else if (strcmp(l, "VERSION_CODENAME") == 0 && *v && !codename)
			codename = xstrdup(v);
	}
	if (!debian)
		free(steal_pointer(&codename));
	return codename;
}

static void scan_file(const char *path, bool deb822, const char *codename, struct deb_sources *out)
{
	_cleanup_free_ char *text = NULL;
	struct clan_err ignored;
	if (read_file(path, 1 << 20, &text, &ignored) == 0)
		debimage_sources_scan(text, deb822, codename, out);
}

/* The host's apt sources, in apt's order: sources.list, then the files of
 * sources.list.d that apt reads (*.list, *.sources), sorted. */
static void host_sources(struct deb_sources *out)
{
	_cleanup_free_ char *codename = host_debian_codename();
	if (!codename)
		return;
	scan_file("/etc/apt/sources.list", false, codename, out);
	struct dirent **names = NULL;
	int n = scandir("/etc/apt/sources.list.d", &names, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *f = names[i]->d_name;
		size_t len = strlen(f);
		bool list = len > 5 && strcmp(f + len - 5, ".list") == 0;
		bool deb822 = len > 8 && strcmp(f + len - 8, ".sources") == 0;
		if ((list || deb822) &&
		    strspn(f,
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
			len) {
			_cleanup_free_ char *path = xasprintf("/etc/apt/sources.list.d/%s", f);
			scan_file(path, deb822, codename, out);
		}
		free(names[i]);
	}
	free(names);
}

void debimage_host_mirror_lines(const char *suite, struct strv *lines)
{
	struct deb_sources src = {0};
	host_sources(&src);
	/* a site's mirror (clan.conf [deb] mirror, CLAN_DEB_MIRROR) serves the
	 * suite; -updates and -security stay the host's, when it has them */
	char *site = settings_get(SETTING_DEB_MIRROR, NULL);
	if (site) {
		free(src.archive);
		src.archive = site;
	}
	debimage_mirror_lines(&src, suite, lines);
	debimage_sources_free(&src);
}
