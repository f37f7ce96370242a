#include "config/interp.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/strbuf.h"

/* compose has no limit; ours keeps a hostile value off the stack, and no
 * real value nests ${A:-${B:-...}} this deep */
#define MAX_DEPTH 64

struct expansion {
	const struct interp_env *env;
	const char *file;
	int line;
	struct clan_err *err;
};

/* A slice of the value: operands are expanded where they stand. */
struct span {
	const char *s;
	size_t len;
};

static bool is_name_start(char c)
{
	return c == '_' || isalpha((unsigned char)c);
}

static bool is_name_char(char c)
{
	return c == '_' || isalnum((unsigned char)c);
}

static int bad(const struct expansion *x, const struct span *t, size_t at, const char *why)
{
	/* the offending part, cut short: a value can be long */
	size_t n = t->len - at;
	return clan_error_code(x->err, CLAN_EXIT_USAGE, "%s:%d: bad interpolation '%.*s%s': %s",
			       x->file, x->line, (int)(n > 40 ? 40 : n), t->s + at,
			       n > 40 ? "..." : "", why);
}

static const char *lookup(const struct expansion *x, const char *name)
{
	return x->env->lookup ? x->env->lookup(x->env->arg, name) : NULL;
}

static void warn_unset(const struct expansion *x, const char *name)
{
	struct interp_warnings *w = x->env->warn;
	if (!w)
		return;
	for (size_t i = 0; i < w->names.n; i++)
		if (strcmp(w->names.v[i], name) == 0)
			return;
	strv_push(&w->names, name);
	strv_push_owned(&w->msgs,
			xasprintf("%s:%d: the \"%s\" variable is not set, defaulting to a blank "
				  "string",
				  x->file, x->line, name));
}

/* $NAME and ${NAME}: the value, or "" with a warning when unset */
static void plain(const struct expansion *x, const char *name, struct strbuf *out)
{
	const char *value = lookup(x, name);
	if (!value)
		warn_unset(x, name);
	strbuf_adds(out, value ? value : "");
}

/* Where the operand of the ${...} at i ends, found as compose-go finds it
 * (template.go): its pattern takes the braced form up to the LAST '}' on the
 * line (last_brace), then getFirstBraceClosingIndex cuts that at the first
 * '}' closing the braces opened so far. It counts every '{', not only "${",
 * which is what lets ${JSON:-{"a":1}} hold braces, and it skips the byte
 * after each '{' (so the '}' of "{}" closes nothing): kept, as the values
 * must be compose's. No balanced '}': the match runs to last_brace. */
static size_t operand_end(const struct span *t, size_t i, size_t last_brace)
{
	int open = 0;
	for (size_t p = i; p <= last_brace; p++) {
		if (t->s[p] == '}' && --open == 0)
			return p;
		if (t->s[p] == '{') {
			open++;
			p++;
		}
	}
	return last_brace;
}

/* The last '}' at or after from and before the end of its line, or -1.
 * Go's '.' does not match '\n', so no ${...} spans lines. The answer is
 * kept per line: each ${ on a long line must not rescan it. */
struct line_cache {
	size_t end;	      /* the '\n' or the text's end that closes the line */
	ptrdiff_t last_brace; /* in [.., end), -1 if none */
	bool valid;
};

static ptrdiff_t last_brace_on_line(const struct span *t, size_t from, struct line_cache *c)
{
	if (!c->valid || from > c->end) {
		const char *nl = memchr(t->s + from, '\n', t->len - from);
		c->end = nl ? (size_t)(nl - t->s) : t->len;
		c->last_brace = -1;
		for (size_t p = c->end; p > from; p--)
			if (t->s[p - 1] == '}') {
				c->last_brace = (ptrdiff_t)(p - 1);
				break;
			}
		c->valid = true;
	}
	return c->last_brace >= (ptrdiff_t)from ? c->last_brace : -1;
}

static int subst(const struct expansion *x, const struct span *t, int depth, struct strbuf *out);

/* ${NAME OP OPERAND}: the value by OP. As compose, the operand is
 * expanded first, used or not: an unused default's ${X:?} still
 * fails and its unset variables still warn. */
static int apply(const struct expansion *x, const char *name, bool colon, char op,
		 const struct span *operand, int depth, struct strbuf *out)
{
	struct strbuf o = {0};
	if (subst(x, operand, depth + 1, &o) < 0) {
		strbuf_free(&o);
		return -1;
	}
	_cleanup_free_ char *text = strbuf_steal(&o);
	const char *value = lookup(x, name);
	/* "unset" for the colon forms includes empty */
	bool set = value && (!colon || *value);
	if (op == '?' && !set)
		return clan_error_code(
		    x->err, CLAN_EXIT_USAGE, "%s:%d: %s: %s", x->file, x->line, name,
		    *text ? text
			  : (value ? "is empty (set it in the shell or in .env)"
				   : "is not set (set it in the shell or in .env)"));
	if (op == '+')
		strbuf_adds(out, set ? text : (value ? value : ""));
	else if (op == '-')
		strbuf_adds(out, set ? value : text);
	else
		strbuf_adds(out, value);
	return 0;
}

/* ${...} at t->s[*i] == '$'; *i moves past it. */
static int braced(const struct expansion *x, const struct span *t, size_t *i, int depth,
		  struct line_cache *lc, struct strbuf *out)
{
	const char *s = t->s;
	size_t start = *i, q = start + 2;
	if (q >= t->len || !is_name_start(s[q]))
		return bad(x, t, start,
			   q >= t->len || s[q] == '}' ? "no variable name"
						      : "a name starts with a letter or _");
	while (q < t->len && is_name_char(s[q]))
		q++;
	_cleanup_free_ char *name = xstrndup(s + start + 2, q - start - 2);
	if (q >= t->len)
		return bad(x, t, start, "missing '}'");
	if (s[q] == '}') {
		plain(x, name, out);
		*i = q + 1;
		return 0;
	}
	bool colon = s[q] == ':';
	char op = q + colon < t->len ? s[q + colon] : '\0';
	if (!op || !strchr("-?+", op))
		return bad(x, t, start, "expected }, :-, -, :?, ?, :+ or + after the name");
	size_t from = q + colon + 1;
	ptrdiff_t last = last_brace_on_line(t, from, lc);
	if (last < 0)
		return bad(x, t, start, "missing '}' on its line");
	size_t end = operand_end(t, start, (size_t)last);
	struct span operand = {s + from, end - from};
	if (apply(x, name, colon, op, &operand, depth, out) < 0)
		return -1;
	*i = end + 1;
	return 0;
}

/* Expands the whole of *t into out, left to right as compose-go's pattern
 * scans: $$, $NAME, ${...}; any other '$' stays as written. */
static int subst(const struct expansion *x, const struct span *t, int depth, struct strbuf *out)
{
	if (depth > MAX_DEPTH)
		return bad(x, t, 0, "nested too deeply");
	struct line_cache lc = {0};
	size_t i = 0;
	while (i < t->len) {
		const char *dollar = memchr(t->s + i, '$', t->len - i);
		size_t d = dollar ? (size_t)(dollar - t->s) : t->len;
		strbuf_addn(out, t->s + i, d - i);
		i = d;
		if (i >= t->len)
			break;
		char next = i + 1 < t->len ? t->s[i + 1] : '\0';
		if (next == '$') {
			strbuf_addc(out, '$');
			i += 2;
		} else if (next == '{') {
			if (braced(x, t, &i, depth, &lc, out) < 0)
				return -1;
		} else if (is_name_start(next)) {
			size_t q = i + 1;
			while (q < t->len && is_name_char(t->s[q]))
				q++;
			_cleanup_free_ char *name = xstrndup(t->s + i + 1, q - i - 1);
			plain(x, name, out);
			i = q;
		} else {
			/* "$1", "$ ", "$}" and a final "$" stay, as compose's
			 * pattern does not match them */
			strbuf_addc(out, '$');
			i++;
		}
	}
	return 0;
}

int interp_expand(const struct interp_env *env, const char *text, const char *file, int line,
		  char **out, struct clan_err *err)
{
	struct expansion x = {.env = env, .file = file, .line = line, .err = err};
	struct span t = {text, strlen(text)};
	struct strbuf b = {0};
	if (subst(&x, &t, 0, &b) < 0) {
		strbuf_free(&b);
		return -1;
	}
	*out = strbuf_steal(&b);
	return 0;
}

void interp_warnings_free(struct interp_warnings *w)
{
	strv_free(&w->msgs);
	strv_free(&w->names);
}
