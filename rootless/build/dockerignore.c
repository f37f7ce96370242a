#define _GNU_SOURCE
#include "build/dockerignore.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "base/util.h"
#include "build/df_words.h"

enum di_kind { DI_EXACT, DI_PREFIX, DI_SUFFIX, DI_TOKENS };
enum tok_kind { T_LIT, T_ONE, T_STAR, T_DSTAR, T_ANY, T_CLASS };

struct tok {
	enum tok_kind kind;
	char c;	      /* T_LIT */
	bool negated; /* T_CLASS */
	char *ranges; /* T_CLASS: pairs lo, hi */
	size_t nranges;
};

struct di_pattern {
	char *text; /* cleaned, without its '!' */
	bool exclusion;
	enum di_kind kind;
	struct tok *toks;
	size_t ntoks;
};

/* Go's path.Clean for a relative or rooted '/' path. */
static char *go_clean(const char *p)
{
	bool rooted = p[0] == '/';
	struct strv parts = {0};
	for (const char *s = p; *s;) {
		while (*s == '/')
			s++;
		size_t n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.')) {
			/* nothing */
		} else if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (parts.n && strcmp(parts.v[parts.n - 1], "..") != 0) {
				free(parts.v[--parts.n]);
				parts.v[parts.n] = NULL;
			} else if (!rooted) {
				strv_push(&parts, "..");
			}
		} else {
			strv_push_owned(&parts, xstrndup(s, n));
		}
		s += n;
	}
	struct strbuf b = {0};
	if (rooted)
		strbuf_addc(&b, '/');
	for (size_t i = 0; i < parts.n; i++) {
		if (i)
			strbuf_addc(&b, '/');
		strbuf_adds(&b, parts.v[i]);
	}
	strv_free(&parts);
	if (!b.len)
		strbuf_addc(&b, '.');
	return strbuf_steal(&b);
}

static void add_tok(struct di_pattern *p, struct tok t)
{
	p->toks = xrealloc(p->toks, (p->ntoks + 1) * sizeof *p->toks);
	p->toks[p->ntoks++] = t;
}

/* [...] at *s (after the '['), as Go's filepath.Match reads it: an
 * optional ^, then chars and lo-hi ranges, \ escaping; at least one; a
 * ']' ends it. false when malformed. */
static bool read_class(const char **s, struct tok *t)
{
	const char *p = *s;
	*t = (struct tok){.kind = T_CLASS};
	if (*p == '^') {
		t->negated = true;
		p++;
	}
	struct strbuf r = {0};
	bool first = true;
	for (;;) {
		if (*p == ']' && !first)
			break;
		char lo, hi;
		if (!*p || *p == '-' || *p == ']')
			goto bad;
		if (*p == '\\' && !*++p)
			goto bad;
		lo = hi = *p++;
		if (*p == '-') {
			p++;
			if (!*p || *p == ']' || *p == '-')
				goto bad;
			if (*p == '\\' && !*++p)
				goto bad;
			hi = *p++;
		}
		strbuf_addc(&r, lo);
		strbuf_addc(&r, hi);
		first = false;
	}
	t->nranges = r.len / 2;
	t->ranges = strbuf_steal(&r);
	*s = p + 1;
	return true;
bad:
	strbuf_free(&r);
	return false;
}

/* The pattern as moby/patternmatcher compiles it: an exact path, a prefix
 * (a path then a final **), a suffix (** then plain text), else tokens. */
static bool compile(struct di_pattern *p)
{
	const char *s = p->text;
	p->kind = DI_EXACT;
	for (int i = 0; *s; i++) {
		char c = *s++;
		if (c == '*' && *s == '*') {
			s++;
			if (*s == '/')
				s++;
			if (!*s && p->kind == DI_EXACT) {
				p->kind = DI_PREFIX;
			} else {
				add_tok(p, (struct tok){.kind = *s ? T_DSTAR : T_ANY});
				p->kind = DI_TOKENS;
			}
			if (i == 0)
				p->kind = DI_SUFFIX;
		} else if (c == '*') {
			add_tok(p, (struct tok){.kind = T_STAR});
			p->kind = DI_TOKENS;
		} else if (c == '?') {
			add_tok(p, (struct tok){.kind = T_ONE});
			p->kind = DI_TOKENS;
		} else if (c == '\\') {
			if (!*s)
				return false; /* filepath.Match: a trailing \ */
			add_tok(p, (struct tok){.kind = T_LIT, .c = *s++});
			p->kind = DI_TOKENS;
		} else if (c == '[') {
			struct tok t;
			if (!read_class(&s, &t))
				return false;
			add_tok(p, t);
			p->kind = DI_TOKENS;
		} else {
			add_tok(p, (struct tok){.kind = T_LIT, .c = c});
		}
	}
	return true;
}

static bool in_class(const struct tok *t, char c)
{
	bool in = false;
	for (size_t i = 0; i < t->nranges && !in; i++)
		in = (unsigned char)c >= (unsigned char)t->ranges[2 * i] &&
		     (unsigned char)c <= (unsigned char)t->ranges[2 * i + 1];
	return in != t->negated && c != '/';
}

/* Whether toks[0..] match s[0..] whole: dynamic programming over (token,
 * position), so no pattern takes more than tokens x length steps. */
static bool match_tokens(const struct di_pattern *p, const char *s)
{
	size_t n = strlen(s), w = n + 1;
	uint8_t *ok = xcalloc((p->ntoks + 1) * w, 1); /* ok[i*w+j]: toks[i..] match s[j..] */
	ok[p->ntoks * w + n] = 1;
	for (size_t i = p->ntoks; i-- > 0;) {
		const struct tok *t = &p->toks[i];
		for (size_t j = n + 1; j-- > 0;) {
			const uint8_t *next = ok + (i + 1) * w;
			uint8_t r = 0;
			switch (t->kind) {
			case T_LIT:
				r = j < n && s[j] == t->c && next[j + 1];
				break;
			case T_ONE:
				r = j < n && s[j] != '/' && next[j + 1];
				break;
			case T_CLASS:
				r = j < n && in_class(t, s[j]) && next[j + 1];
				break;
			case T_STAR: /* "" here, or one non-/ and STAR again */
				r = next[j] || (j < n && s[j] != '/' && ok[i * w + j + 1]);
				break;
			case T_ANY:
				for (size_t k = j; k <= n && !r; k++)
					r = next[k];
				break;
			case T_DSTAR: /* (.*\/)? */
				r = next[j];
				for (size_t k = j; k < n && !r; k++)
					r = s[k] == '/' && next[k + 1];
				break;
			}
			ok[i * w + j] = r;
		}
	}
	bool r = ok[0];
	free(ok);
	return r;
}

static bool pattern_matches(const struct di_pattern *p, const char *path)
{
	size_t pl = strlen(path), tl = strlen(p->text);
	switch (p->kind) {
	case DI_EXACT:
		return strcmp(path, p->text) == 0;
	case DI_PREFIX:
		return strncmp(path, p->text, tl - 2) == 0;
	case DI_SUFFIX: {
		const char *suffix = p->text + 2;
		size_t sl = tl - 2;
		if (pl >= sl && strcmp(path + pl - sl, suffix) == 0)
			return true;
		return suffix[0] == '/' && strcmp(path, suffix + 1) == 0;
	}
	case DI_TOKENS:
		break;
	}
	return match_tokens(p, path);
}

/* MatchesOrParentMatches: the path, else any of its parent dirs. */
static bool matches_or_parent(const struct di_pattern *p, const char *path)
{
	if (pattern_matches(p, path))
		return true;
	_cleanup_free_ char *dirs = xstrdup(path);
	for (char *slash = strchr(dirs, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		bool m = pattern_matches(p, dirs);
		*slash = '/';
		if (m)
			return true;
	}
	return false;
}

bool dockerignore_has_exceptions(const struct dockerignore *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].exclusion)
			return true;
	return false;
}

bool dockerignore_excludes(const struct dockerignore *d, const char *path)
{
	_cleanup_free_ char *clean = go_clean(path);
	if (strcmp(clean, ".") == 0)
		return false; /* the context itself */
	bool excluded = false;
	for (size_t i = 0; i < d->n; i++) {
		const struct di_pattern *p = &d->v[i];
		/* an include once excluded, an exception once included: no change */
		if (p->exclusion != excluded)
			continue;
		if (matches_or_parent(p, clean))
			excluded = !p->exclusion;
	}
	return excluded;
}

static void pattern_free(struct di_pattern *p)
{
	for (size_t k = 0; k < p->ntoks; k++)
		free(p->toks[k].ranges);
	free(p->toks);
	free(p->text);
}

static void trim(char **s, size_t *n)
{
	while (*n && df_field_space(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && df_field_space((*s)[*n - 1]))
		(*n)--;
}

/* One line as ignorefile.ReadAll and patternmatcher.New take it; 0 when
 * it holds no pattern. */
static int add_line(struct dockerignore *d, char *s, size_t n, const char *name, int line,
		    struct clan_err *err)
{
	if (n && s[0] == '#')
		return 0;
	trim(&s, &n);
	if (!n)
		return 0;
	bool invert = s[0] == '!';
	if (invert) {
		s++;
		n--;
		trim(&s, &n);
	}
	if (invert && !n)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s:%d: illegal exclusion pattern: \"!\"", name, line);
	_cleanup_free_ char *raw = xstrndup(s, n);
	char *clean = go_clean(raw);
	/* relative to the context: a leading / is the context's root */
	if (clean[0] == '/' && clean[1]) {
		char *rel = xstrdup(clean + 1);
		free(clean);
		clean = rel;
	}
	struct di_pattern p = {.text = clean, .exclusion = invert};
	if (!compile(&p)) {
		int r = clan_error_code(err, CLAN_EXIT_USAGE, "%s:%d: syntax error in pattern '%s'",
					name, line, clean);
		pattern_free(&p);
		return r;
	}
	d->v = xrealloc(d->v, (d->n + 1) * sizeof *d->v);
	d->v[d->n++] = p;
	return 0;
}

int dockerignore_parse(const char *text, size_t len, const char *name, struct dockerignore *out,
		       struct clan_err *err)
{
	*out = (struct dockerignore){0};
	_cleanup_free_ char *copy = xstrndup(text, len);
	char *s = copy, *end = copy + strlen(copy);
	if (end - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
		s += 3;
	for (int line = 1; s < end; line++) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (add_line(out, s, n, name, line, err) < 0) {
			dockerignore_free(out);
			return -1;
		}
		s += n + (nl != NULL);
	}
	return 0;
}

void dockerignore_free(struct dockerignore *d)
{
	for (size_t i = 0; i < d->n; i++)
		pattern_free(&d->v[i]);
	free(d->v);
	*d = (struct dockerignore){0};
}
