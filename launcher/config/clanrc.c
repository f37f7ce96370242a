#define _GNU_SOURCE
#include "config/cfgval.h"
#include "config/clanrc.h"

#include <ctype.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "config/comment.h"
#include "base/suggest.h"
#include "base/util.h"

struct rc_key {
	const char *name;
	bool list;
};

/* docker compose's field names, in the singular for lists */
static const struct rc_key service_keys[] = {
    {"profile", false},
    {"image", false},
    {"packages", true},
    {"build", false},
    {"dockerfile", false},
    {"build_arg", true},
    {"target", false},
    {"command", false},
    {"entrypoint", false},
    {"working_dir", false},
    {"user", false},
    {"environment", true},
    {"env_file", true},
    {"port", true},
    {"expose", true},
    {"volume", true},
    {"bind", true},
    {"depends_on", true},
    {"alias", true},
    {"healthcheck", false},
    {"healthcheck_interval", false},
    {"healthcheck_timeout", false},
    {"healthcheck_retries", false},
    {"healthcheck_start_period", false},
    {"restart", false},
    {"stop_grace_period", false},
    {"stop_signal", false},
    {"security_opt", true},
    {"device", true},
};

static const struct rc_key project_keys[] = {{"name", false}};

/* names people bring from elsewhere that edit distance does not catch */
static const struct {
	const char *from, *to;
} key_synonyms[] = {
    {"env", "environment"},  {"workdir", "working_dir"}, {"cmd", "command"},
    {"links", "depends_on"}, {"volumes_from", "volume"}, {"ports", "port"},
    {"devices", "device"},   {"hostname", "alias"},	 {"container_name", "alias"},
};

/* inih never sees a value: it gets "KEY=" and the handler takes the value
 * from here. So a line longer than inih's buffer (Debian builds it with the
 * default INI_MAX_LINE) is not cut in two, and inline comments follow our
 * rule (comment.h), not inih's INI_INLINE_COMMENT_PREFIXES (";" after a
 * blank, even inside quotes: `sh -c "a ; b"` was cut). */
struct reader {
	const char *p; /* next unread character of the text */
	int line;      /* the physical line last handed to inih */
	char *value;   /* of that line, comment and blanks removed */
	char *comment; /* the comment cut from it, or NULL */
	const char *path;
	struct clanrc *rc;
	struct clan_err *err;
	bool failed;
	int failed_line;
};

static const struct rc_key *find_key(const struct rc_key *keys, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

bool clanrc_is_list_key(const char *key)
{
	const struct rc_key *k = find_key(service_keys, ARRAY_SIZE(service_keys), key);
	return k && k->list;
}

static int fail(struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct reader *r, const char *fmt, ...)
{
	char msg[sizeof r->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!r->failed) {
		clan_error_code(r->err, CLAN_EXIT_USAGE, "%s:%d: %s", r->path, r->line, msg);
		r->failed = true;
		r->failed_line = r->line;
	}
	return -1;
}

static struct rc_section *find_section(const struct clanrc *rc, const char *name)
{
	for (size_t i = 0; i < rc->n; i++)
		if (strcmp(rc->s[i].name, name) == 0)
			return &rc->s[i];
	return NULL;
}

static int unknown_section(struct reader *r, const char *name)
{
	const char *dot = strchr(name, '.');
	if (dot) {
		/* [services.web], [servce.web] */
		_cleanup_free_ char *kind = xstrndup(name, (size_t)(dot - name));
		const char *service = "service";
		if (suggest_nearest(kind, &service, 1))
			return fail(r, "unknown section [%s] (did you mean [service.%s]?)", name,
				    dot + 1);
	}
	static const char *const kinds[] = {"project", "service"};
	const char *near = suggest_nearest(name, kinds, ARRAY_SIZE(kinds));
	if (near && strcmp(near, "project") == 0)
		return fail(r, "unknown section [%s] (did you mean [project]?)", name);
	if (near)
		return fail(r, "unknown section [%s] (did you mean [service.%s]?)", name, name);
	return fail(r, "unknown section [%s] (sections: [project], [service.NAME])", name);
}

/* A "[...]" line: checked and recorded here, where its line is known
 * (inih reports a section only with its first key). */
static int section_line(struct reader *r, const char *text, size_t len)
{
	const char *close = memchr(text, ']', len);
	if (!close)
		return fail(r, "a section line needs a closing ']'");
	const char *after = close + 1 + strspn(close + 1, " \t\r");
	if (after < text + len && *after != ';' && *after != '#')
		return fail(r, "unexpected text after ']'");
	const char *start = text + 1 + strspn(text + 1, " \t");
	const char *end = close;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	_cleanup_free_ char *name = xstrndup(start, (size_t)(end - start));
	char *service = NULL;
	if (strncmp(name, "service.", 8) == 0) {
		if (!cfg_is_name(name + 8))
			return fail(r,
				    "bad service name '%s': letters, digits, _ . - starting "
				    "with a letter or digit",
				    name + 8);
		service = name + 8;
	} else if (strcmp(name, "service") == 0) {
		return fail(r, "[service] needs a name: [service.NAME]");
	} else if (strcmp(name, "project") != 0) {
		return unknown_section(r, name);
	}
	const struct rc_section *dup = find_section(r->rc, name);
	if (dup)
		return fail(r, "[%s] is written twice (first at line %d)", name, dup->line);
	struct clanrc *rc = r->rc;
	if (rc->n == rc->cap) {
		rc->cap = rc->cap ? rc->cap * 2 : 8;
		rc->s = xrealloc(rc->s, rc->cap * sizeof *rc->s);
	}
	struct rc_section *s = &rc->s[rc->n++];
	*s = (struct rc_section){.name = steal_pointer(&name), .line = r->line};
	if (service)
		s->service = xstrdup(s->name + 8);
	return 0;
}

/* The value after "KEY =": up to an inline comment (' #' or ' ;' outside
 * quotes, as in .env), without the blanks around it. */
static char *line_value(const char *text, size_t len, char **comment)
{
	size_t at = comment_find(text, len, "#;", false, true);
	*comment = at < len ? xstrndup(text + at, len - at) : NULL;
	size_t start = 0;
	while (start < at && isspace((unsigned char)text[start]))
		start++;
	while (at > start && isspace((unsigned char)text[at - 1]))
		at--;
	return xstrndup(text + start, at - start);
}

/* The length of the key of a KEY = VALUE line (up to '=' or ':', as inih
 * splits it), len when the line has neither. */
static size_t key_length(const char *text, size_t len)
{
	size_t i = 0;
	while (i < len && text[i] != '=' && text[i] != ':')
		i++;
	return i;
}

/* inih's ini_reader: hands inih one physical line at a time, so the
 * handler knows the line (Debian's inih 55 passes no line number) */
static char *read_line(char *buf, int size, void *stream)
{
	struct reader *r = stream;
	if (!*r->p || size < 8)
		return NULL;
	size_t len = strcspn(r->p, "\n");
	const char *text = r->p;
	r->p += len + (text[len] == '\n');
	r->line++;
	free(r->value);
	free(r->comment);
	r->value = r->comment = NULL;

	/* no leading blanks: inih would take an indented line for the
	 * continuation of the value above (configparser style) */
	if (r->line == 1 && strncmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	size_t skip = strspn(text, " \t\r\f\v");
	if (skip > len)
		skip = len;
	text += skip;
	len -= skip;
	while (len && text[len - 1] == '\r')
		len--;

	if (!r->failed && len && text[0] == '[')
		section_line(r, text, len);

	size_t key_len = key_length(text, len);
	bool is_entry = len && text[0] != '#' && text[0] != ';' && text[0] != '[' && key_len < len;
	/* a comment, a section or a bad line goes to inih whole when it fits
	 * with its '\n' and the NUL */
	if (!is_entry && len + 2 <= (size_t)size) {
		memcpy(buf, text, len);
		memcpy(buf + len, "\n", 2);
		return buf;
	}
	memcpy(buf, "\n", 2);
	if (!is_entry) {
		/* a long comment; a long section name was refused above */
		if (len && text[0] != '#' && text[0] != ';' && text[0] != '[')
			fail(r, "expected KEY = VALUE");
		return buf;
	}
	if (key_len + 3 > (size_t)size) {
		fail(r, "expected KEY = VALUE");
		return buf;
	}
	memcpy(buf, text, key_len);
	memcpy(buf + key_len, "=\n", 3);
	r->value = line_value(text + key_len + 1, len - key_len - 1, &r->comment);
	return buf;
}

static int unknown_key(struct reader *r, const struct rc_section *s, const char *name,
		       const struct rc_key *keys, size_t n)
{
	const char *names[ARRAY_SIZE(service_keys)];
	for (size_t i = 0; i < n; i++)
		names[i] = keys[i].name;
	const char *near = suggest_nearest(name, names, n);
	for (size_t i = 0; !near && i < ARRAY_SIZE(key_synonyms); i++)
		if (strcasecmp(name, key_synonyms[i].from) == 0 &&
		    find_key(keys, n, key_synonyms[i].to))
			near = key_synonyms[i].to;
	if (!near)
		return fail(r, "unknown key '%s' in [%s]", name, s->name);
	const struct rc_key *k = find_key(keys, n, near);
	bool plural =
	    k->list && strncasecmp(name, near, strlen(near)) == 0 && strlen(name) > strlen(near);
	return fail(r, "unknown key '%s' in [%s] (did you mean %s?%s)", name, s->name, near,
		    plural ? " a list is the key repeated, one item per line" : "");
}

static void add_entry(struct rc_section *s, const char *key, struct reader *r)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->e = xrealloc(s->e, s->cap * sizeof *s->e);
	}
	struct rc_entry *e = &s->e[s->n++];
	e->key = xstrdup(key);
	e->value = steal_pointer(&r->value);
	e->comment = steal_pointer(&r->comment);
	e->line = r->line;
}

static int entry(struct reader *r, const char *name, const char *value)
{
	if (r->rc->n == 0)
		return fail(
		    r, "'%s' is outside a section: put it under [service.NAME] or [project]", name);
	struct rc_section *s = &r->rc->s[r->rc->n - 1];
	bool project = !s->service;
	const struct rc_key *keys = project ? project_keys : service_keys;
	size_t nkeys = project ? ARRAY_SIZE(project_keys) : ARRAY_SIZE(service_keys);
	const struct rc_key *k = find_key(keys, nkeys, name);
	if (!k)
		return unknown_key(r, s, name, keys, nkeys);
	if (!r->value)
		r->value = xstrdup(value);
	if (!*r->value)
		return fail(r, "%s has no value", name);
	const struct rc_entry *prev = rc_get(s, name);
	if (!k->list && prev)
		return fail(r,
			    "%s is set twice in [%s] (first at line %d); only lists such as "
			    "port or environment repeat",
			    name, s->name, prev->line);
	add_entry(s, name, r);
	return 0;
}

/* inih's callback; the section is the reader's own record (inih cuts
 * names at 50 bytes). Always "go on": the first error is kept in r. */
static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;
	(void)section;
	if (!r->failed)
		entry(r, name, value);
	return 1;
}

int clanrc_parse(const char *text, const char *path, struct clanrc *out, struct clan_err *err)
{
	struct reader r = {.p = text, .path = path, .rc = out, .err = err};
	*out = (struct clanrc){0};
	int bad_line = ini_parse_stream(read_line, &r, handler, &r);
	free(r.value);
	free(r.comment);
	/* inih's own complaint (a line without '=') wins when it comes first */
	if (r.failed && (bad_line <= 0 || bad_line >= r.failed_line)) {
		clanrc_free(out);
		return -1;
	}
	if (bad_line != 0) {
		clanrc_free(out);
		if (bad_line < 0)
			return clan_error(err, 0, "%s: inih could not parse it (%d)", path,
					  bad_line);
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s:%d: expected KEY = VALUE or [SECTION]", path, bad_line);
	}
	return 0;
}

const struct rc_entry *rc_get(const struct rc_section *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->e[i].key, key) == 0)
			return &s->e[i];
	return NULL;
}

void clanrc_free(struct clanrc *rc)
{
	for (size_t i = 0; i < rc->n; i++) {
		struct rc_section *s = &rc->s[i];
		for (size_t j = 0; j < s->n; j++) {
			free(s->e[j].key);
			free(s->e[j].value);
			free(s->e[j].comment);
		}
		free(s->e);
		free(s->name);
		free(s->service);
	}
	free(rc->s);
	*rc = (struct clanrc){0};
}
