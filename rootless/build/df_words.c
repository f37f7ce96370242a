#define _GNU_SOURCE
#include "build/df_words.h"

#include <jansson.h>
#include <string.h>

#include "base/strbuf.h"

bool df_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool df_field_space(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static void push_buf(struct strv *v, struct strbuf *b)
{
	strv_push_owned(v, strbuf_steal(b));
}

/* One shell-like word at p into w: quotes group (and are dropped), \
 * takes the next character. Returns where it ends. */
static const char *read_word(const char *p, struct strbuf *w, bool *quoted)
{
	char quote = 0;
	while (*p && (quote || !df_space(*p))) {
		char c = *p++;
		if (quote && c == quote) {
			quote = 0;
		} else if (!quote && (c == '\'' || c == '"')) {
			quote = c;
			*quoted = true;
		} else if (c == '\\') {
			if (*p)
				strbuf_addc(w, *p++);
		} else {
			strbuf_addc(w, c);
		}
	}
	return p;
}

const char *df_flags(const char *rest, struct strv *flags)
{
	struct strbuf w = {0};
	const char *p = rest;
	for (;;) {
		while (*p && df_space(*p))
			p++;
		if (p[0] != '-' || p[1] != '-')
			break;
		bool quoted = false;
		p = read_word(p, &w, &quoted);
		if (w.len == 2 && strcmp(w.s, "--") == 0)
			break;
		/* `--from stage`: the next word is the value */
		if (!strchr(w.s, '=')) {
			const char *q = p;
			while (*q && df_space(*q))
				q++;
			if (*q) {
				strbuf_addc(&w, '=');
				p = read_word(q, &w, &quoted);
			}
		}
		push_buf(flags, &w);
	}
	strbuf_free(&w);
	return p;
}

void df_words(const char *rest, char escape, struct strv *out)
{
	struct strbuf w = {0};
	bool in_word = false, blank_ok = false;
	char quote = 0;
	for (const char *p = rest;; p++) {
		if (!*p) {
			if (in_word && (blank_ok || w.len))
				push_buf(out, &w);
			break;
		}
		char c = *p;
		if (!in_word) {
			if (df_space(c))
				continue;
			in_word = true;
		}
		if (quote) {
			if (c == quote)
				quote = 0;
			/* the escape is special in "", never in '' */
			else if (c == escape && quote != '\'') {
				if (!p[1])
					continue;
				strbuf_addc(&w, c);
				c = *++p;
			}
			strbuf_addc(&w, c);
			continue;
		}
		if (df_space(c)) {
			if (blank_ok || w.len)
				push_buf(out, &w);
			in_word = blank_ok = false;
			continue;
		}
		if (c == '\'' || c == '"') {
			quote = c;
			blank_ok = true;
		} else if (c == escape) {
			if (!p[1])
				continue;
			strbuf_addc(&w, c);
			c = *++p;
		}
		strbuf_addc(&w, c);
	}
	strbuf_free(&w);
}

void df_fields(const char *rest, struct strv *out)
{
	const char *p = rest;
	for (;;) {
		size_t n = 0;
		while (p[n] && !df_field_space(p[n]))
			n++;
		strv_push_owned(out, xstrndup(p, n));
		if (!p[n])
			break;
		p += n;
		while (df_field_space(*p))
			p++;
	}
}

int df_json(const char *rest, struct strv *out, struct clan_err *err)
{
	while (df_space(*rest))
		rest++;
	if (*rest != '[')
		return 0;
	json_error_t je;
	json_t *a = json_loads(rest, JSON_DECODE_ANY, &je);
	if (!json_is_array(a)) {
		json_decref(a);
		return 0;
	}
	size_t i;
	json_t *v;
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v)) {
			json_decref(a);
			strv_free(out);
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "when using JSON array syntax, arrays must be made "
					       "of strings only");
		}
		strv_push(out, json_string_value(v));
	}
	json_decref(a);
	return 1;
}
