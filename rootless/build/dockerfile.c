#define _GNU_SOURCE
#include "build/dockerfile.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "build/df_words.h"
#include "base/strbuf.h"

enum { DF_MAX_LINES = 1 << 20 }; /* a Dockerfile of a million lines is not one */

struct reader {
	const char *text, *end, *at;
	const char *name;
	int line; /* lines read so far */
	char escape;
	bool directives_done;
	bool seen_escape, seen_syntax;
	struct clan_err *err;
};

/* The next line, without its \n or \r\n, into s and n; false at the end. */
static bool next_line(struct reader *r, const char **s, size_t *n)
{
	if (r->at >= r->end)
		return false;
	const char *nl = memchr(r->at, '\n', (size_t)(r->end - r->at));
	const char *stop = nl ? nl : r->end;
	*s = r->at;
	*n = (size_t)(stop - r->at);
	if (*n && (*s)[*n - 1] == '\r')
		(*n)--;
	r->at = nl ? nl + 1 : r->end;
	r->line++;
	return true;
}

static const char *skip_space(const char *s, const char *end)
{
	while (s < end && df_space(*s))
		s++;
	return s;
}

/* `# name = value` before anything else: escape and syntax are the
 * directives; anything else ends them. */
static int directive(struct reader *r, const char *s, size_t n)
{
	if (r->directives_done)
		return 0;
	const char *end = s + n, *p = s;
	if (p >= end || *p != '#') {
		r->directives_done = true;
		return 0;
	}
	p = skip_space(p + 1, end);
	const char *k = p;
	while (p < end && isalnum((unsigned char)*p))
		p++;
	const char *kend = p;
	p = skip_space(p, end);
	if (k == kend || !isalpha((unsigned char)*k) || p >= end || *p != '=') {
		r->directives_done = true;
		return 0;
	}
	p = skip_space(p + 1, end);
	const char *vend = end;
	while (vend > p && df_space(vend[-1]))
		vend--;
	size_t klen = (size_t)(kend - k);
	bool is_escape = klen == 6 && strncasecmp(k, "escape", 6) == 0;
	bool is_syntax = klen == 6 && strncasecmp(k, "syntax", 6) == 0;
	if (!is_escape && !is_syntax) {
		r->directives_done = true;
		return 0;
	}
	bool *seen = is_escape ? &r->seen_escape : &r->seen_syntax;
	if (*seen)
		return clan_error_code(r->err, CLAN_EXIT_USAGE,
				       "%s:%d: only one %s parser directive can be used", r->name,
				       r->line, is_escape ? "escape" : "syntax");
	*seen = true;
	if (is_escape) {
		if (vend - p != 1 || (*p != '\\' && *p != '`'))
			return clan_error_code(
			    r->err, CLAN_EXIT_USAGE,
			    "%s:%d: invalid escape token '%.*s' does not match ` "
			    "or \\",
			    r->name, r->line, (int)(vend - p), p);
		r->escape = *p;
	}
	return 0;
}

static bool is_comment(const char *s, size_t n)
{
	const char *p = skip_space(s, s + n);
	return p < s + n && *p == '#';
}

/* Drops the escape character (and spaces or tabs after it) at the end of
 * s[0..*n): true when there was one, the line going on. */
static bool continues(const struct reader *r, const char *s, size_t *n)
{
	size_t k = *n;
	while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
		k--;
	if (k == 0 || s[k - 1] != r->escape)
		return false;
	*n = k - 1;
	return true;
}

static void instr_free(struct df_instr *in)
{
	if (!in)
		return;
	free(in->cmd);
	free(in->original);
	strv_free(&in->flags);
	strv_free(&in->args);
	strv_free(&in->heredoc_names);
	strv_free(&in->heredocs);
	if (in->sub) {
		instr_free(in->sub);
		free(in->sub);
	}
}

/* ENV and LABEL: KEY=VALUE words, or the legacy `KEY VALUE...`. */
static int name_val(const struct reader *r, const char *rest, const char *what, struct strv *args)
{
	struct strv words = {0};
	df_words(rest, r->escape, &words);
	int rc = 0;
	if (words.n && !strchr(words.v[0], '=')) {
		const char *p = rest;
		size_t k = 0;
		while (p[k] && !df_field_space(p[k]))
			k++;
		const char *v = p + k;
		while (df_field_space(*v))
			v++;
		if (!*v)
			rc = clan_error_code(r->err, CLAN_EXIT_USAGE,
					     "%s:%d: %s must have two arguments", r->name, r->line,
					     what);
		else {
			strv_push_owned(args, xstrndup(p, k));
			strv_push(args, v);
		}
	}
	for (size_t i = 0; rc == 0 && i < words.n && strchr(words.v[0], '='); i++) {
		const char *eq = strchr(words.v[i], '=');
		if (!eq) {
			rc = clan_error_code(
			    r->err, CLAN_EXIT_USAGE,
			    "%s:%d: syntax error - can't find = in \"%s\"; it must be "
			    "of the form name=value",
			    r->name, r->line, words.v[i]);
			break;
		}
		strv_push_owned(args, xstrndup(words.v[i], (size_t)(eq - words.v[i])));
		strv_push(args, eq + 1);
	}
	strv_free(&words);
	return rc;
}

static int instruction(struct reader *r, const char *line, struct df_instr *in);

/* text as a JSON array of strings (the exec form), else as one argument
 * or, with fields, as whitespace-separated ones. */
static int json_or(struct reader *r, const char *text, struct df_instr *in, bool fields)
{
	int j = df_json(text, &in->args, r->err);
	if (j < 0)
		return clan_error_wrap(r->err, "%s:%d", r->name, r->line);
	in->json = j == 1;
	if (!in->json && fields && *text)
		df_fields(text, &in->args);
	else if (!in->json && !fields)
		strv_push(&in->args, text);
	return 0;
}

/* The arguments of in by its instruction's rule (BuildKit's dispatch). */
static int arguments(struct reader *r, const char *rest, struct df_instr *in)
{
	static const char *const maybe_json[] = {"cmd", "entrypoint", "run", "shell"};
	static const char *const json_or_fields[] = {"add", "copy", "volume"};
	static const char *const fields[] = {"expose", "from"};
	static const char *const whole[] = {"maintainer", "stopsignal", "user", "workdir"};
	const char *c = in->cmd;
	for (size_t i = 0; i < ARRAY_SIZE(maybe_json); i++)
		if (strcmp(c, maybe_json[i]) == 0 && *rest)
			return json_or(r, rest, in, false);
	for (size_t i = 0; i < ARRAY_SIZE(json_or_fields); i++)
		if (strcmp(c, json_or_fields[i]) == 0)
			return json_or(r, rest, in, true);
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (strcmp(c, fields[i]) == 0 && *rest) {
			df_fields(rest, &in->args);
			return 0;
		}
	for (size_t i = 0; i < ARRAY_SIZE(whole); i++)
		if (strcmp(c, whole[i]) == 0 && *rest) {
			strv_push(&in->args, rest);
			return 0;
		}
	if (strcmp(c, "env") == 0 || strcmp(c, "label") == 0)
		return name_val(r, rest, strcmp(c, "env") == 0 ? "ENV" : "LABEL", &in->args);
	if (strcmp(c, "arg") == 0) {
		df_words(rest, r->escape, &in->args);
		return 0;
	}
	if (strcmp(c, "healthcheck") == 0 && *rest) {
		size_t k = 0;
		while (rest[k] && !df_space(rest[k]))
			k++;
		strv_push_owned(&in->args, xstrndup(rest, k));
		const char *cmd = rest + k;
		while (df_space(*cmd))
			cmd++;
		return *cmd ? json_or(r, cmd, in, false) : 0;
	}
	if (strcmp(c, "onbuild") == 0 && strncasecmp(rest, "onbuild", 7) == 0 &&
	    (!rest[7] || df_space(rest[7])))
		return clan_error_code(r->err, CLAN_EXIT_USAGE,
				       "%s:%d: chaining ONBUILD via ONBUILD ONBUILD isn't allowed",
				       r->name, r->line);
	if (strcmp(c, "onbuild") == 0 && *rest) {
		in->sub = xmalloc(sizeof *in->sub);
		*in->sub = (struct df_instr){
		    .line = in->line, .end_line = in->end_line, .original = xstrdup(rest)};
		return instruction(r, rest, in->sub);
	}
	return 0;
}

/* One instruction from its joined line: the word, the --flags, the rest. */
static int instruction(struct reader *r, const char *line, struct df_instr *in)
{
	const char *p = line;
	while (df_space(*p))
		p++;
	size_t k = 0;
	while (p[k] && !df_space(p[k]))
		k++;
	in->cmd = xstrndup(p, k);
	for (char *c = in->cmd; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	const char *rest = df_flags(p + k, &in->flags);
	while (df_space(*rest))
		rest++;
	/* nor is trailing whitespace the arguments' */
	_cleanup_free_ char *args = xstrdup(rest);
	size_t n = strlen(args);
	while (n && df_space(args[n - 1]))
		args[--n] = '\0';
	return arguments(r, args, in);
}

/* A heredoc marker at p (a word start): <<[-]["']NAME["']; its name into
 * out, *strip for <<-, and where the word ends; NULL when it is none. */
static const char *heredoc_marker(const char *p, struct strbuf *out, bool *strip, bool *quoted)
{
	if (p[0] != '<' || p[1] != '<')
		return NULL;
	p += 2;
	*strip = *p == '-';
	if (*strip)
		p++;
	char quote = (*p == '"' || *p == '\'') ? *p++ : 0;
	*quoted = quote != 0;
	const char *start = p;
	while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
		p++;
	if (p == start || (quote && *p != quote) || (!quote && *p && !df_space(*p)))
		return NULL;
	strbuf_addn(out, start, (size_t)(p - start));
	return quote ? p + 1 : p;
}

/* The heredocs a RUN, COPY or ADD line opens (<<EOF, <<-EOF, <<"EOF"), each
 * body read from the lines that follow up to its delimiter line. */
static int read_heredocs(struct reader *r, const char *line, struct df_instr *in)
{
	char quote = 0;
	for (const char *p = line; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			quote = *p;
			continue;
		}
		if (p != line && !df_space(p[-1]))
			continue;
		struct strbuf name = {0};
		bool strip, quoted;
		const char *end = heredoc_marker(p, &name, &strip, &quoted);
		if (!end) {
			strbuf_free(&name);
			continue;
		}
		struct strbuf body = {0};
		strbuf_addn(&body, "", 0);
		const char *s;
		size_t n;
		bool closed = false;
		while (!closed && next_line(r, &s, &n)) {
			while (strip && n && *s == '\t') {
				s++;
				n--;
			}
			if (n == name.len && memcmp(s, name.s, n) == 0)
				closed = true;
			else {
				strbuf_addn(&body, s, n);
				strbuf_addc(&body, '\n');
			}
		}
		if (!closed) {
			int rc = clan_error_code(r->err, CLAN_EXIT_USAGE,
						 "%s:%d: the heredoc <<%s has no line %s to end it",
						 r->name, in->line, name.s, name.s);
			strbuf_free(&name);
			strbuf_free(&body);
			return rc;
		}
		if (quoted && in->heredocs.n < 32)
			in->heredoc_quoted |= 1u << in->heredocs.n;
		strv_push_owned(&in->heredoc_names, strbuf_steal(&name));
		strv_push_owned(&in->heredocs, strbuf_steal(&body));
		p = end - 1;
	}
	in->end_line = r->line;
	return 0;
}

int dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile *out,
		     struct clan_err *err)
{
	*out = (struct dockerfile){.escape = '\\'};
	struct reader r = {
	    .text = text, .end = text + len, .at = text, .name = name, .escape = '\\', .err = err};
	/* a UTF-8 byte-order mark before the first line */
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		r.at += 3;
	const char *s;
	size_t n;
	while (next_line(&r, &s, &n)) {
		if (r.line > DF_MAX_LINES) {
			clan_error_code(err, CLAN_EXIT_USAGE, "%s: more than %d lines", name,
					DF_MAX_LINES);
			goto fail;
		}
		const char *start = skip_space(s, s + n);
		size_t left = (size_t)(s + n - start);
		if (directive(&r, start, left) < 0)
			goto fail;
		if (left && *start == '#')
			continue; /* a comment */
		int first = r.line;
		struct strbuf line = {0};
		bool more = continues(&r, start, &left);
		strbuf_addn(&line, start, left);
		bool blank_inside = false;
		while (more && next_line(&r, &s, &n)) {
			if (is_comment(s, n))
				continue;
			if (skip_space(s, s + n) == s + n) {
				blank_inside = true;
				continue;
			}
			more = continues(&r, s, &n);
			strbuf_addn(&line, s, n);
		}
		char *joined = strbuf_steal(&line);
		if (!*skip_space(joined, joined + strlen(joined))) {
			free(joined);
			continue;
		}
		if (blank_inside)
			strv_push_owned(&out->warnings,
					xasprintf("%s:%d: empty continuation line (an error in a "
						  "future Docker)",
						  name, first));
		out->v = xrealloc(out->v, (out->n + 1) * sizeof *out->v);
		struct df_instr *in = &out->v[out->n++];
		*in = (struct df_instr){.line = first, .end_line = r.line, .original = joined};
		int saved = r.line;
		r.line = first; /* messages name the instruction's first line */
		int rc = instruction(&r, joined, in);
		r.line = saved;
		if (rc == 0 && (strcmp(in->cmd, "run") == 0 || strcmp(in->cmd, "copy") == 0 ||
				strcmp(in->cmd, "add") == 0))
			rc = read_heredocs(&r, joined, in);
		if (rc < 0)
			goto fail;
	}
	if (out->n == 0) {
		clan_error_code(err, CLAN_EXIT_USAGE, "%s: the file has no instructions", name);
		goto fail;
	}
	out->escape = r.escape;
	return 0;
fail:
	dockerfile_free(out);
	return -1;
}

void dockerfile_free(struct dockerfile *d)
{
	for (size_t i = 0; i < d->n; i++)
		instr_free(&d->v[i]);
	free(d->v);
	strv_free(&d->warnings);
	*d = (struct dockerfile){0};
}
