#include "words.h"

#include <jansson.h>
#include <string.h>

#include "strbuf.h"

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

static bool is_shell_char(char c)
{
	return strchr("$`|&;<>()*?[\n", c) != NULL;
}

/* Splits text into words; *shell set when it holds shell syntax. */
static int split(const char *text, struct strv *out, bool *shell, struct clan_err *err)
{
	struct strbuf word = {0};
	bool in_word = false;
	const char *p = text;

	*shell = false;
	while (*p) {
		char c = *p;
		if (c == ' ' || c == '\t' || c == '\r') {
			if (in_word)
				strv_push_owned(out, strbuf_steal(&word));
			in_word = false;
			p++;
			continue;
		}
		if (!in_word && (c == '#' || c == '~'))
			*shell = true;
		in_word = true;
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end)
				goto unterminated;
			strbuf_addn(&word, p + 1, (size_t)(end - p - 1));
			p = end + 1;
		} else if (c == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '$' || *p == '`')
					*shell = true;
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
		} else {
			if (is_shell_char(c))
				*shell = true;
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

int words_parse_command(const char *text, struct strv *out, struct clan_err *err)
{
	const char *t = text + strspn(text, " \t");
	struct strv v = {0};
	bool shell;

	/* `[ -f x ] && ...` is the shell's test, `["a"` a broken exec form */
	if (t[0] == '[' &&
	    (t[1 + strspn(t + 1, " \t")] == '"' || t[1 + strspn(t + 1, " \t")] == ']')) {
		if (words_parse_json_array(t, &v, err) < 0)
			return -1;
	} else {
		if (split(t, &v, &shell, err) < 0) {
			strv_free(&v);
			return -1;
		}
		if (shell) {
			strv_free(&v);
			strv_push(&v, "/bin/sh");
			strv_push(&v, "-c");
			strv_push(&v, t);
		}
	}
	if (v.n == 0) {
		strv_free(&v);
		return clan_error_code(err, CLAN_EXIT_USAGE, "no command in '%s'", text);
	}
	*out = v;
	return 0;
}
