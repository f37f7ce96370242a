#define _GNU_SOURCE
#include "build/df_expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"

struct lexer {
	const char *s;
	size_t i;
	char esc;
	const struct strv *env;
	bool literal_quotes; /* a heredoc's text: quotes are text, not syntax */
	char msg[200];	     /* the first error */
};

static int fail(struct lexer *lx, const char *fmt, const char *arg)
{
	if (!lx->msg[0])
		snprintf(lx->msg, sizeof lx->msg, fmt, arg);
	return -1;
}

/* The next character without moving past the end (0 there). */
static char next(struct lexer *lx)
{
	char c = lx->s[lx->i];
	if (c)
		lx->i++;
	return c;
}

static const char *lookup(const struct strv *env, const char *name, size_t len)
{
	for (size_t k = env ? env->n : 0; k-- > 0;) {
		const char *e = env->v[k];
		if (strncmp(e, name, len) == 0 && (e[len] == '=' || e[len] == '\0'))
			return e[len] == '=' ? e + len + 1 : "";
	}
	return NULL;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || (unsigned char)c >= 0x80;
}

/* A name after $: digits, one special parameter, or letters, digits, _. */
static size_t read_name(struct lexer *lx)
{
	size_t start = lx->i;
	char c = lx->s[lx->i];
	if (c >= '0' && c <= '9') {
		while (lx->s[lx->i] >= '0' && lx->s[lx->i] <= '9')
			lx->i++;
	} else if (c && strchr("@*#?-$!", c)) {
		lx->i++;
	} else {
		while (name_char(lx->s[lx->i]))
			lx->i++;
	}
	return lx->i - start;
}

/* Shell patterns as BuildKit has them: * any run, ? one character, \ takes
 * *, ? or \ literally and is dropped before } and /; anything else is
 * literal (no bracket classes). */
enum pat_kind { PAT_LIT, PAT_ONE, PAT_STAR };
struct pat {
	char *kind; /* enum pat_kind per position */
	char *lit;
	size_t n;
};

static void pat_free(struct pat *p);

static int pat_compile(struct lexer *lx, const char *text, struct pat *p)
{
	size_t len = strlen(text);
	*p = (struct pat){.kind = xcalloc(len + 1, 1), .lit = xcalloc(len + 1, 1)};
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		char kind = c == '*' ? PAT_STAR : c == '?' ? PAT_ONE : PAT_LIT;
		if (c == '\\') {
			if (text[i + 1] == '}' || text[i + 1] == '/')
				continue;
			c = text[++i];
			if (c != '*' && c != '?' && c != '\\') {
				pat_free(p);
				char bad[3] = {'\\', c, 0};
				return fail(lx, "invalid escape '%s' in a substitution pattern",
					    bad);
			}
			kind = PAT_LIT;
		}
		p->kind[p->n] = kind;
		p->lit[p->n++] = c;
	}
	return 0;
}

/* The length of the shortest (or longest) prefix of s[0..len) that p
 * matches all of, or -1: the pattern run as a set of positions, one step
 * a character, so O(len * n) whatever the stars. */
static long prefix_match(const struct pat *p, const char *s, size_t len, bool longest)
{
	_cleanup_free_ bool *on = xcalloc(p->n + 1, sizeof *on);
	_cleanup_free_ bool *nx = xcalloc(p->n + 1, sizeof *nx);
	long found = -1;
	on[0] = true;
	for (size_t k = 0;; k++) {
		/* a star may match nothing */
		for (size_t j = 0; j < p->n; j++)
			if (on[j] && p->kind[j] == PAT_STAR)
				on[j + 1] = true;
		if (on[p->n]) {
			found = (long)k;
			if (!longest)
				return found;
		}
		if (k == len)
			return found;
		bool any = false;
		memset(nx, 0, (p->n + 1) * sizeof *nx);
		for (size_t j = 0; j < p->n; j++) {
			if (!on[j])
				continue;
			if (p->kind[j] == PAT_STAR)
				nx[j] = any = true;
			else if (p->kind[j] == PAT_ONE || p->lit[j] == s[k])
				nx[j + 1] = any = true;
		}
		if (!any)
			return found;
		bool *t = on;
		on = nx;
		nx = t;
	}
}

static void pat_free(struct pat *p)
{
	free(p->kind);
	free(p->lit);
}

static void reverse(char *s, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		char t = s[i];
		s[i] = s[n - 1 - i];
		s[n - 1 - i] = t;
	}
}

/* ${v#p} ${v##p} ${v%p} ${v%%p}: the shortest (or longest) prefix or
 * suffix that p matches is cut; a suffix is a prefix of both reversed. */
static int trim(struct lexer *lx, const char *value, const char *word, char op, char **out)
{
	bool longest = word[0] == op;
	struct pat p;
	if (pat_compile(lx, longest ? word + 1 : word, &p) < 0)
		return -1;
	size_t len = strlen(value);
	_cleanup_free_ char *text = xstrdup(value);
	if (op == '%') {
		reverse(p.kind, p.n);
		reverse(p.lit, p.n);
		reverse(text, len);
	}
	long cut = prefix_match(&p, text, len, longest);
	if (cut < 0)
		*out = xstrdup(value);
	else
		*out = op == '#' ? xstrdup(value + cut) : xstrndup(value, len - (size_t)cut);
	pat_free(&p);
	return 0;
}

/* ${v/p/r} the leftmost match (longest there), ${v//p/r} every one; an
 * empty match right after a match is skipped, as Go's ReplaceAll does. */
static int replace(struct lexer *lx, const char *value, const char *pattern, const char *repl,
		   bool all, char **out)
{
	struct pat p;
	if (pat_compile(lx, pattern, &p) < 0)
		return -1;
	size_t len = strlen(value), pos = 0, prev_end = (size_t)-1;
	bool done = false;
	struct strbuf b = {0};
	while (pos <= len) {
		long k = done ? -1 : prefix_match(&p, value + pos, len - pos, true);
		if (k >= 0 && !(k == 0 && pos == prev_end)) {
			strbuf_adds(&b, repl);
			pos += (size_t)k;
			prev_end = pos;
			done = !all;
			if (k > 0)
				continue;
		}
		if (pos < len)
			strbuf_addc(&b, value[pos]);
		pos++;
	}
	pat_free(&p);
	*out = strbuf_steal(&b);
	return 0;
}

static int stop_on(struct lexer *lx, char stop, bool raw, struct strbuf *out);

static int single_quote(struct lexer *lx, struct strbuf *out)
{
	lx->i++;
	for (;;) {
		char c = next(lx);
		if (!c)
			return fail(lx, "%s",
				    "unexpected end of statement while looking for "
				    "matching single-quote");
		if (c == '\'')
			return 0;
		strbuf_addc(out, c);
	}
}

static int dollar(struct lexer *lx, struct strbuf *out);

static int double_quote(struct lexer *lx, bool raw, struct strbuf *out)
{
	lx->i++;
	for (;;) {
		char c = lx->s[lx->i];
		if (!c)
			return fail(lx, "%s",
				    "unexpected end of statement while looking for "
				    "matching double-quote");
		if (c == '"') {
			lx->i++;
			return 0;
		}
		if (c == '$') {
			if (dollar(lx, out) < 0)
				return -1;
			continue;
		}
		lx->i++;
		if (c == lx->esc) {
			if (raw)
				strbuf_addc(out, c);
			char n = lx->s[lx->i];
			if (!n)
				continue;
			if (n == '"' || n == '$' || n == lx->esc)
				c = next(lx);
		}
		strbuf_addc(out, c);
	}
}

static int modifier(struct lexer *lx, const char *name, size_t nlen, char ch, bool colon,
		    char **res)
{
	struct strbuf w = {0};
	strbuf_addn(&w, "", 0);
	if (stop_on(lx, '}', ch == '#' || ch == '%', &w) < 0) {
		strbuf_free(&w);
		if (!lx->s[lx->i]) {
			lx->msg[0] = 0;
			return fail(lx, "%s", "syntax error: missing '}'");
		}
		return -1;
	}
	const char *value = lookup(lx->env, name, nlen);
	bool unset = !value || (colon && !*value);
	int rc = 0;
	_cleanup_free_ char *nm = xstrndup(name, nlen);
	switch (ch) {
	case '-':
		*res = xstrdup(unset ? w.s : value);
		break;
	case '+':
		*res = xstrdup(unset ? "" : w.s);
		break;
	case '?':
		if (unset) {
			char buf[160];
			snprintf(buf, sizeof buf, "%s: %s", nm,
				 w.len	 ? w.s
				 : value ? "is not allowed to be empty"
					 : "is not allowed to be unset");
			rc = fail(lx, "%s", buf);
		} else {
			*res = xstrdup(value);
		}
		break;
	case '#':
	case '%':
		rc = trim(lx, value ? value : "", w.s, ch, res);
		break;
	default: {
		char bad[3] = {colon ? ':' : ch, colon ? ch : 0, 0};
		rc = fail(lx, "unsupported modifier (%s) in substitution", bad);
	}
	}
	strbuf_free(&w);
	return rc;
}

static int substitute(struct lexer *lx, const char *name, size_t nlen, char **res)
{
	bool all = lx->s[lx->i] == '/';
	if (all)
		lx->i++;
	struct strbuf pat = {0}, repl = {0};
	strbuf_addn(&pat, "", 0);
	strbuf_addn(&repl, "", 0);
	int rc = stop_on(lx, '/', true, &pat);
	if (rc < 0 && !lx->s[lx->i]) {
		lx->msg[0] = 0;
		fail(lx, "%s", "syntax error: missing '/' in ${}");
	} else if (rc == 0 && (rc = stop_on(lx, '}', true, &repl)) < 0 && !lx->s[lx->i]) {
		lx->msg[0] = 0;
		fail(lx, "%s", "syntax error: missing '}'");
	}
	if (rc == 0) {
		const char *value = lookup(lx->env, name, nlen);
		rc = replace(lx, value ? value : "", pat.s, repl.s, all, res);
	}
	strbuf_free(&pat);
	strbuf_free(&repl);
	return rc;
}

static int dollar(struct lexer *lx, struct strbuf *out)
{
	lx->i++;
	if (lx->s[lx->i] != '{') {
		size_t at = lx->i, n = read_name(lx);
		if (n == 0) {
			strbuf_addc(out, '$');
			return 0;
		}
		const char *v = lookup(lx->env, lx->s + at, n);
		strbuf_adds(out, v ? v : "");
		return 0;
	}
	lx->i++;
	char c = lx->s[lx->i];
	if (!c)
		return fail(lx, "%s", "syntax error: missing '}'");
	if (c == '{' || c == '}' || c == ':')
		return fail(lx, "%s", "syntax error: bad substitution");
	size_t at = lx->i, n = read_name(lx);
	const char *name = lx->s + at;
	char ch = next(lx);
	_cleanup_free_ char *res = NULL;
	int rc;
	switch (ch) {
	case '\0':
		return fail(lx, "%s", "syntax error: missing '}'");
	case '}': {
		const char *v = lookup(lx->env, name, n);
		strbuf_adds(out, v ? v : "");
		return 0;
	}
	case ':':
		rc = modifier(lx, name, n, next(lx), true, &res);
		break;
	case '+':
	case '-':
	case '?':
	case '#':
	case '%':
		rc = modifier(lx, name, n, ch, false, &res);
		break;
	case '/':
		rc = substitute(lx, name, n, &res);
		break;
	default: {
		char bad[2] = {ch, 0};
		return fail(lx, "unsupported modifier (%s) in substitution", bad);
	}
	}
	if (rc == 0)
		strbuf_adds(out, res);
	return rc;
}

/* The text up to stop (consumed) or the end (stop 0). raw: escapes are
 * kept for a pattern to read. */
static int stop_on(struct lexer *lx, char stop, bool raw, struct strbuf *out)
{
	for (char c; (c = lx->s[lx->i]);) {
		if (stop && c == stop) {
			lx->i++;
			return 0;
		}
		int rc = 0;
		bool quote = !lx->literal_quotes && (c == '\'' || c == '"');
		if (quote && c == '\'')
			rc = single_quote(lx, out);
		else if (quote)
			rc = double_quote(lx, raw, out);
		else if (c == '$')
			rc = dollar(lx, out);
		if (rc < 0)
			return -1;
		if (quote || c == '$')
			continue;
		lx->i++;
		if (c == lx->esc) {
			if (raw)
				strbuf_addc(out, c);
			if (!lx->s[lx->i])
				break;
			c = next(lx);
		}
		strbuf_addc(out, c);
	}
	if (stop) {
		char s[2] = {stop, 0};
		return fail(lx, "unexpected end of statement while looking for matching %s", s);
	}
	return 0;
}

static int expand(const char *word, char escape, bool literal_quotes, const struct strv *env,
		  char **out, struct clan_err *err)
{
	struct lexer lx = {.s = word, .esc = escape, .env = env, .literal_quotes = literal_quotes};
	struct strbuf b = {0};
	strbuf_addn(&b, "", 0);
	if (stop_on(&lx, 0, false, &b) < 0) {
		strbuf_free(&b);
		return clan_error_code(err, CLAN_EXIT_USAGE, "failed to process \"%s\": %s", word,
				       lx.msg);
	}
	*out = strbuf_steal(&b);
	return 0;
}

int df_expand(const char *word, char escape, const struct strv *env, char **out,
	      struct clan_err *err)
{
	return expand(word, escape, false, env, out, err);
}

int df_expand_text(const char *text, char escape, const struct strv *env, char **out,
		   struct clan_err *err)
{
	return expand(text, escape, true, env, out, err);
}
