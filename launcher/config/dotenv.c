#define _GNU_SOURCE /* memmem */
#include "config/dotenv.h"

#include <ctype.h>
#include <string.h>

#include "base/strbuf.h"

/* The rules follow compose-go's dotenv/parser.go (compose-spec/compose-go,
 * the parser docker compose v2 uses); where clan differs on purpose, the
 * comment at the place says so. */

struct parser {
	const char *p;	  /* next unread character */
	int line;	  /* of p */
	bool after_quote; /* p is on the line a quoted value closed */
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

/* Blanks within a line (compose's isSpace, ASCII part). */
static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Letters, digits, _ . - [ ] (compose); bytes of a UTF-8 character count
 * as letters, as compose takes any Unicode letter or digit. */
static bool is_key_char(char c)
{
	return isalnum((unsigned char)c) || (unsigned char)c >= 0x80 || (c && strchr("_.-[]", c));
}

/* The length of the white space character at p, 0 if none: with
 * blank_only, compose's isSpace (the blanks above, U+0085, U+00A0); else
 * Go's unicode.IsSpace without \n, which compose trims values and skips
 * lines with. */
static size_t space_len(const char *p, bool blank_only)
{
	const unsigned char *u = (const unsigned char *)p;
	if (is_blank(*p))
		return 1;
	if (u[0] == 0xc2 && (u[1] == 0x85 || u[1] == 0xa0))
		return 2;
	if (blank_only)
		return 0;
	/* U+1680; U+2000-200A, 2028, 2029, 202F; U+205F; U+3000 */
	bool wide =
	    (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) ||
	    (u[0] == 0xe2 && u[1] == 0x80 &&
	     ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf)) ||
	    (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) ||
	    (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80);
	return wide ? 3 : 0;
}

/* end moved back over trailing white space (unicode.IsSpace), not
 * before start. */
static const char *trim_end(const char *start, const char *end)
{
	for (;;) {
		if (end > start && isspace((unsigned char)end[-1]))
			end--;
		else if (end - start >= 2 && space_len(end - 2, false) == 2)
			end -= 2;
		else if (end - start >= 3 && space_len(end - 3, false) == 3)
			end -= 3;
		else
			return end;
	}
}

static void skip_blanks(struct parser *ps)
{
	for (size_t n; (n = space_len(ps->p, true));)
		ps->p += n;
}

static int bad_statement(struct parser *ps, const char *start, int line)
{
	size_t shown = strcspn(start, "\n");
	return clan_error_code(ps->err, CLAN_EXIT_USAGE,
			       "%s:%d: expected KEY=VALUE, got '%.*s%s' (a key is letters, "
			       "digits, _ . - [ ])",
			       ps->path, line, shown > 40 ? 40 : (int)shown, start,
			       shown > 40 ? "..." : "");
}

/* A Go octal escape after compose drops the 0 of "\0": exactly three
 * octal digits worth at most 255, written as that code point in UTF-8
 * (Go's string(rune)); anything else stays as written, without the 0. */
static const char *octal_escape(struct strbuf *b, const char *q)
{
	size_t n = 0;
	while (n < 3 && isdigit((unsigned char)q[n]))
		n++;
	unsigned v = 0;
	bool ok = n == 3;
	for (size_t i = 0; ok && i < n; i++) {
		ok = q[i] <= '7';
		v = v * 8 + (unsigned)(q[i] - '0');
	}
	if (ok && v <= 0xff && v >= 0x80) {
		strbuf_addc(b, (char)(0xc0 | (v >> 6)));
		strbuf_addc(b, (char)(0x80 | (v & 0x3f)));
	} else if (ok && v <= 0xff) {
		strbuf_addc(b, (char)v);
	} else {
		strbuf_addc(b, '\\');
		for (size_t i = 0; i < n; i++)
			strbuf_addc(b, q[i]);
	}
	return q + n;
}

/* compose's expandEscapes on a double-quoted value: \a \b \f \n \r \t \v
 * \\ \" as in C, \$ as $$ (a literal $ after interpolation), \0NNN octal;
 * any other backslash stays, with the character after it. */
static char *expand_escapes(const char *s)
{
	static const char from[] = "abfnrtv\\\"", to[] = "\a\b\f\n\r\t\v\\\"";
	struct strbuf b = {0};
	while (*s) {
		if (*s != '\\' || !s[1]) {
			strbuf_addc(&b, *s++);
			continue;
		}
		const char *hit = strchr(from, s[1]);
		if (hit) {
			strbuf_addc(&b, to[hit - from]);
			s += 2;
		} else if (s[1] == '$') {
			strbuf_adds(&b, "$$");
			s += 2;
		} else if (s[1] == '0') {
			s = octal_escape(&b, s + 2);
		} else {
			strbuf_addc(&b, *s++);
		}
	}
	return strbuf_steal(&b);
}

/* The text between quotes at ps->p (either kind), as compose reads it: a
 * backslash before the quote character hides it and goes; before anything
 * else it stays. Values may span lines. NULL with an error when the quote
 * is not closed. */
static char *quoted(struct parser *ps, int line)
{
	char quote = *ps->p;
	struct strbuf b = {0};
	bool escaped = false;
	const char *q = ps->p + 1;
	for (; *q; q++) {
		if (*q == '\n')
			ps->line++;
		if (*q == quote && !escaped)
			break;
		if (*q == '\\' && !escaped) {
			escaped = true;
			continue;
		}
		if (escaped && *q != quote)
			strbuf_addc(&b, '\\');
		escaped = false;
		strbuf_addc(&b, *q);
	}
	if (!*q) {
		strbuf_free(&b);
		clan_error_code(ps->err, CLAN_EXIT_USAGE, "%s:%d: the %s value has no closing %c",
				ps->path, line, quote == '"' ? "double-quoted" : "single-quoted",
				quote);
		return NULL;
	}
	ps->p = q + 1;
	return strbuf_steal(&b);
}

/* To the end of the line; a comment starts at " #" (a space, not a tab:
 * compose cuts at that pair), trailing white space goes. */
static char *unquoted(struct parser *ps)
{
	const char *start = ps->p;
	size_t len = strcspn(start, "\n");
	const char *cut = memmem(start, len, " #", 2);
	const char *end = trim_end(start, cut ? cut : start + len);
	ps->p = start + len;
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

/* The value after KEY= (or KEY:): quoted values end at their quote and
 * the text after it is read as more statements, as compose does (so
 * K="a"# c and K="a" B=2 are both fine); an unquoted one ends the line. */
static int value(struct parser *ps, int line, char **out)
{
	skip_blanks(ps);
	ps->after_quote = *ps->p == '\'' || *ps->p == '"';
	if (*ps->p == '\'') {
		*out = quoted(ps, line);
		return *out ? 0 : -1;
	}
	if (*ps->p == '"') {
		_cleanup_free_ char *text = quoted(ps, line);
		return text ? interpolate(ps, expand_escapes(text), line, out) : -1;
	}
	return interpolate(ps, unquoted(ps), line, out);
}

/* A KEY alone takes the outer environment's value, if any. */
static void inherit(struct parser *ps, const char *key, int line)
{
	const char *v =
	    ps->outer && ps->outer->lookup ? ps->outer->lookup(ps->outer->arg, key) : NULL;
	if (v)
		set_var(ps->out, key, xstrdup(v), line);
}

/* One statement starting at ps->p: [export ]KEY=VALUE, KEY: VALUE (the
 * YAML form compose takes) or KEY alone on its line. */
static int statement(struct parser *ps)
{
	int line = ps->line;
	const char *start = ps->p;
	if (strncmp(start, "export", 6) == 0 && is_blank(start[6])) {
		ps->p = start + 6;
		skip_blanks(ps);
	}
	const char *key_start = ps->p, *q = ps->p;
	/* compose skips blanks while it looks for the end of the key, then
	 * refuses a key with a blank inside */
	for (size_t n; (n = space_len(q, true)) || is_key_char(*q);)
		q += n ? n : 1;
	if (*q && !strchr("=:\n", *q))
		return bad_statement(ps, start, line);
	const char *key_end = trim_end(key_start, q);
	_cleanup_free_ char *key = xstrndup(key_start, (size_t)(key_end - key_start));
	/* compose takes an empty key (="v"), and a KEY that ends the file
	 * with no newline, as a variable named "" (K='a' b sets it to b); clan
	 * refuses those, and takes a last line KEY as KEY alone, which is
	 * what it means */
	if (!*key || strpbrk(key, " \t\r\f\v"))
		return bad_statement(ps, start, line);
	if (*q != '=' && *q != ':' && ps->after_quote)
		return clan_error_code(
		    ps->err, CLAN_EXIT_USAGE,
		    "%s:%d: unexpected '%.20s' after the closing quote (a comment "
		    "starts with #)",
		    ps->path, line, start);
	ps->p = *q ? q + 1 : q;
	if (*q != '=' && *q != ':') {
		ps->line += *q == '\n';
		inherit(ps, key, line);
		return 0;
	}
	/* a bound, as each variable is looked for among the ones before it:
	 * a file of 400k lines would take minutes */
	if (ps->out->n >= DOTENV_MAX_VARS)
		return clan_error_code(ps->err, CLAN_EXIT_USAGE,
				       "%s:%d: more than %d variables in one file", ps->path, line,
				       DOTENV_MAX_VARS);
	char *v;
	if (value(ps, line, &v) < 0)
		return -1;
	set_var(ps->out, key, v, line);
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
		for (size_t n; (n = space_len(ps.p, false));)
			ps.p += n;
		if (!*ps.p)
			return 0;
		if (*ps.p == '\n') {
			ps.p++;
			ps.line++;
			ps.after_quote = false;
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
