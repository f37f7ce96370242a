#include "config/dotenv.h"

#include <ctype.h>
#include <string.h>

#include "config/comment.h"
#include "base/strbuf.h"

struct parser {
	const char *p; /* next unread character */
	int line;      /* of p */
	const char *path;
	const struct interp_env *outer;
	struct dotenv *out;
	struct clan_err *err;
};

const char *dotenv_get(const struct dotenv *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].key, key) == 0)
			return d->v[i].value;
	return NULL;
}

static void set_var(struct dotenv *d, const char *key, char *value, int line)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->v[i].key, key) == 0) {
			free(d->v[i].value);
			d->v[i].value = value;
			d->v[i].line = line;
			return;
		}
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, d->cap * sizeof *d->v);
	}
	d->v[d->n++] = (struct dotenv_var){.key = xstrdup(key), .value = value, .line = line};
}

/* The outer environment, then the keys above in this file (compose). */
static const char *lookup_in_file(void *arg, const char *name)
{
	const struct parser *ps = arg;
	const char *v = NULL;
	if (ps->outer && ps->outer->lookup)
		v = ps->outer->lookup(ps->outer->arg, name);
	return v ? v : dotenv_get(ps->out, name);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_key_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
}

static void skip_blanks(struct parser *ps)
{
	while (is_blank(*ps->p))
		ps->p++;
}

/* After a value: only blanks and a comment may follow on the line. */
static int end_of_line(struct parser *ps, int line, const char *what)
{
	skip_blanks(ps);
	if (*ps->p == '#')
		ps->p += strcspn(ps->p, "\n");
	if (*ps->p && *ps->p != '\n')
		return clan_error_code(ps->err, CLAN_EXIT_USAGE,
				       "%s:%d: unexpected '%.20s' after %s (a comment starts "
				       "with #)",
				       ps->path, line, ps->p, what);
	return 0;
}

static char *single_quoted(struct parser *ps, int line)
{
	const char *start = ps->p + 1, *end = strchr(start, '\'');
	if (!end) {
		clan_error_code(ps->err, CLAN_EXIT_USAGE,
				"%s:%d: the single-quoted value has no closing '", ps->path, line);
		return NULL;
	}
	for (const char *q = start; q < end; q++)
		ps->line += *q == '\n';
	ps->p = end + 1;
	return xstrndup(start, (size_t)(end - start));
}

/* The raw text of a double-quoted value with its escapes undone, ready
 * for interpolation: an escaped \$ becomes $$, which interpolates to $. */
static char *double_quoted(struct parser *ps, int line)
{
	struct strbuf b = {0};
	const char *q = ps->p + 1;
	for (; *q && *q != '"'; q++) {
		if (*q == '\n')
			ps->line++;
		if (*q != '\\' || !q[1]) {
			strbuf_addc(&b, *q);
			continue;
		}
		switch (*++q) {
		case 'n':
			strbuf_addc(&b, '\n');
			break;
		case 'r':
			strbuf_addc(&b, '\r');
			break;
		case 't':
			strbuf_addc(&b, '\t');
			break;
		case '"':
		case '\\':
			strbuf_addc(&b, *q);
			break;
		case '$':
			strbuf_adds(&b, "$$");
			break;
		default: /* as a shell keeps "\d": both characters */
			strbuf_addc(&b, '\\');
			if (*q == '\n')
				ps->line++;
			strbuf_addc(&b, *q);
		}
	}
	if (!*q) {
		strbuf_free(&b);
		clan_error_code(ps->err, CLAN_EXIT_USAGE,
				"%s:%d: the double-quoted value has no closing \"", ps->path, line);
		return NULL;
	}
	ps->p = q + 1;
	return strbuf_steal(&b);
}

/* Up to the end of the line or a comment (a # after a blank: the rule
 * .clanrc shares; quotes inside an unquoted value are plain text, as in
 * compose), trimmed. */
static char *unquoted(struct parser *ps, bool after_blank)
{
	const char *start = ps->p;
	const char *q = start + comment_find(start, strcspn(start, "\n"), "#", after_blank, false);
	const char *end = q;
	while (end > start && is_blank(end[-1]))
		end--;
	ps->p = q + strcspn(q, "\n");
	return xstrndup(start, (size_t)(end - start));
}

static int interpolate(struct parser *ps, char *raw, int line, char **value)
{
	struct interp_env env = {
	    .lookup = lookup_in_file, .arg = ps, .warn = ps->outer ? ps->outer->warn : NULL};
	int r = interp_expand(&env, raw, ps->path, line, value, ps->err);
	free(raw);
	return r;
}

/* One KEY=VALUE statement starting at ps->p. */
static int statement(struct parser *ps)
{
	int line = ps->line;
	const char *p = ps->p;
	if (strncmp(p, "export", 6) == 0 && is_blank(p[6])) {
		ps->p = p + 6;
		skip_blanks(ps);
	}
	const char *key_start = ps->p;
	while (is_key_char(*ps->p))
		ps->p++;
	_cleanup_free_ char *key = xstrndup(key_start, (size_t)(ps->p - key_start));
	bool blank_after_key = is_blank(*ps->p);
	skip_blanks(ps);
	if (!*key || (*ps->p != '=' && *ps->p != '\n' && *ps->p != '\0' && *ps->p != '#') ||
	    (*ps->p == '#' && !blank_after_key)) {
		size_t shown = strcspn(p, "\n");
		return clan_error_code(ps->err, CLAN_EXIT_USAGE,
				       "%s:%d: expected KEY=VALUE, got '%.*s%s' (a key is letters, "
				       "digits, _ . -)",
				       ps->path, line, shown > 40 ? 40 : (int)shown, p,
				       shown > 40 ? "..." : "");
	}
	if (*ps->p != '=') {
		/* KEY alone: the outer environment's value, if any */
		if (end_of_line(ps, line, key) < 0)
			return -1;
		const char *v =
		    ps->outer && ps->outer->lookup ? ps->outer->lookup(ps->outer->arg, key) : NULL;
		if (v)
			set_var(ps->out, key, xstrdup(v), line);
		return 0;
	}
	ps->p++;
	const char *before = ps->p;
	skip_blanks(ps);
	char *raw, *value;
	if (*ps->p == '\'') {
		if (!(value = single_quoted(ps, line)))
			return -1;
		if (end_of_line(ps, line, "the closing quote") < 0) {
			free(value);
			return -1;
		}
	} else if (*ps->p == '"') {
		if (!(raw = double_quoted(ps, line)))
			return -1;
		if (end_of_line(ps, line, "the closing quote") < 0) {
			free(raw);
			return -1;
		}
		if (interpolate(ps, raw, line, &value) < 0)
			return -1;
	} else {
		raw = unquoted(ps, ps->p > before);
		if (interpolate(ps, raw, line, &value) < 0)
			return -1;
	}
	set_var(ps->out, key, value, line);
	return 0;
}

int dotenv_parse(const char *text, const char *path, const struct interp_env *outer,
		 struct dotenv *out, struct clan_err *err)
{
	struct parser ps = {
	    .p = text, .line = 1, .path = path, .outer = outer, .out = out, .err = err};
	*out = (struct dotenv){0};
	/* a UTF-8 byte order mark, as editors on Windows write */
	if (strncmp(ps.p, "\xef\xbb\xbf", 3) == 0)
		ps.p += 3;
	for (;;) {
		skip_blanks(&ps);
		if (!*ps.p)
			return 0;
		if (*ps.p == '\n') {
			ps.p++;
			ps.line++;
			continue;
		}
		if (*ps.p == '#') {
			ps.p += strcspn(ps.p, "\n");
			continue;
		}
		if (statement(&ps) < 0) {
			dotenv_free(out);
			return -1;
		}
	}
}

void dotenv_free(struct dotenv *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].key);
		free(d->v[i].value);
	}
	free(d->v);
	*d = (struct dotenv){0};
}
