#include "config/words.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>

#include "base/strbuf.h"

int words_parse_json_array(const char *text, struct strv *out, struct clan_err *err)
{
	json_error_t jerr;
	json_t *arr = json_loads(text, 0, &jerr);
	if (!arr || !json_is_array(arr)) {
		json_decref(arr);
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "bad JSON array %s: %s (e.g. [\"python3\", \"app.py\"])",
				       text, arr ? "not an array" : jerr.text);
	}
	struct strv v = {0};
	size_t i;
	json_t *item;
	json_array_foreach(arr, i, item)
	{
		const char *s = json_string_value(item);
		if (!s || strlen(s) != json_string_length(item)) {
			strv_free(&v);
			json_decref(arr);
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "bad JSON array %s: item %zu is not a string "
					       "(or holds a NUL)",
					       text, i + 1);
		}
		strv_push(&v, s);
	}
	json_decref(arr);
	*out = v;
	return 0;
}

/* The shell syntax at p, outside quotes, that a command split into words
 * would take literally: its length (0 for none). `| & ;` count where a
 * shell would act on them, starting or ending a word (`a && b`, `a;`);
 * inside one (`?a=1&b=2`, `--filter=a|b`) compose passes them on, so
 * does clan. */
static size_t shell_syntax_at(const char *p, bool word_start)
{
	if (*p && strchr("<>`", *p))
		return strspn(p, "|&;<>`");
	if (*p && strchr("|&;", *p)) {
		size_t n = strspn(p, "|&;");
		bool word_end = !p[n] || strchr(" \t\r\n", p[n]);
		return word_start || word_end ? n : 0;
	}
	/* $(cmd), ${VAR}, $VAR: after interpolation, a $ the user wrote as $$
	 * for the container's shell */
	if (p[0] == '$' && (p[1] == '(' || p[1] == '{'))
		return 2;
	size_t n = 0;
	if (p[0] == '$' && (p[1] == '_' || isalpha((unsigned char)p[1])))
		for (n = 2; p[n] == '_' || isalnum((unsigned char)p[n]); n++)
			;
	return n;
}

static int needs_shell(const char *op, size_t len, const char *fix_key, struct clan_err *err)
{
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "'%.*s' needs a shell, and clan adds none (a command is split "
			       "into words, as compose does): write %ssh -c '...'",
			       (int)(len > 20 ? 20 : len), op, fix_key);
}

/* Splits text into words as a shell would (single and double quotes,
 * backslashes, blanks and newlines between words), refusing what only a
 * shell would do something with. */
static int split(const char *text, const char *fix_key, struct strv *out, struct clan_err *err)
{
	struct strbuf word = {0};
	bool in_word = false;
	const char *p = text;

	while (*p) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (in_word)
				strv_push_owned(out, strbuf_steal(&word));
			in_word = false;
			p++;
			continue;
		}
		size_t op = shell_syntax_at(p, !in_word);
		in_word = true;
		if (op) {
			strbuf_free(&word);
			return needs_shell(p, op, fix_key, err);
		}
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end)
				goto unterminated;
			strbuf_addn(&word, p + 1, (size_t)(end - p - 1));
			p = end + 1;
		} else if (c == '"') {
			for (p++; *p && *p != '"'; p++) {
				/* inside double quotes a backslash escapes only these */
				if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1]))
					p++;
				strbuf_addc(&word, *p);
			}
			if (!*p)
				goto unterminated;
			p++;
		} else if (c == '\\') {
			if (!p[1]) {
				strbuf_free(&word);
				return clan_error_code(err, CLAN_EXIT_USAGE,
						       "'%s' ends with a lone backslash", text);
			}
			strbuf_addc(&word, p[1]);
			p += 2;
		} else if (strchr("|&;", c)) {
			/* inside a word, literal (shell_syntax_at) */
			size_t n = strspn(p, "|&;");
			strbuf_addn(&word, p, n);
			p += n;
		} else {
			strbuf_addc(&word, c);
			p++;
		}
	}
	if (in_word)
		strv_push_owned(out, strbuf_steal(&word));
	return 0;
unterminated:
	strbuf_free(&word);
	return clan_error_code(err, CLAN_EXIT_USAGE, "unterminated quote in '%s'", text);
}

int words_parse_command(const char *text, const char *fix_key, struct strv *out,
			struct clan_err *err)
{
	const char *t = text + strspn(text, " \t");
	struct strv v = {0};

	/* `[ -f x ] && ...` is the shell's test, `["a"` a broken exec form */
	if (t[0] == '[' &&
	    (t[1 + strspn(t + 1, " \t")] == '"' || t[1 + strspn(t + 1, " \t")] == ']')) {
		if (words_parse_json_array(t, &v, err) < 0)
			return -1;
	} else if (split(t, fix_key, &v, err) < 0) {
		strv_free(&v);
		return -1;
	}
	if (v.n == 0) {
		strv_free(&v);
		return clan_error_code(err, CLAN_EXIT_USAGE, "no command in '%s'", text);
	}
	*out = v;
	return 0;
}
