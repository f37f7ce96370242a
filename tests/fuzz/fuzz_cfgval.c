/* libFuzzer target: compose's non-string values (launcher/cfgval:
 * durations, signals, restart policies) and command strings
 * (launcher/words). The first byte picks the parser, the rest is the
 * text. Errors are exit 2; a parsed duration or signal formats to text
 * that parses back to it; a parsed command has at least one word, and its
 * words, each single-quoted, parse back to themselves. Command texts also
 * go through launcher/comment's inline-comment finder: a comment it finds
 * starts with a mark that follows a blank. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgval.h"
#include "config/comment.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "config/words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_duration(const char *text)
{
	struct clan_err err;
	int ms, again;
	char buf[64];
	if (duration_parse(text, &ms, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE)
			abort();
		return;
	}
	if (ms < 0)
		abort();
	duration_format(ms, buf, sizeof buf);
	if (duration_parse(buf, &again, &err) < 0 || again != ms)
		abort();
}

static void check_signal(const char *text)
{
	struct clan_err err;
	int sig, again;
	char buf[32];
	if (signal_parse(text, &sig, &err) < 0) {
		if (err.code != CLAN_EXIT_USAGE)
			abort();
		return;
	}
	if (sig < 1 || sig > 64)
		abort();
	signal_format(sig, buf, sizeof buf);
	if (signal_parse(buf, &again, &err) < 0 || again != sig)
		abort();
}

static void check_words(const char *text, bool json)
{
	struct clan_err err;
	struct strv v = {0};
	int rc = json ? words_parse_json_array(text, &v, &err)
		      : words_parse_command(text, "command = ", &v, &err);
	if (rc < 0) {
		if (err.code != CLAN_EXIT_USAGE || v.n != 0)
			abort();
		return;
	}
	if ((v.v ? v.v[v.n] != NULL : v.n != 0) || (!json && v.n == 0))
		abort();
	/* 'a'\''b' is a'b: quoted, any word is one word again */
	struct strbuf b = {0};
	for (size_t i = 0; i < v.n; i++) {
		strbuf_adds(&b, i ? " '" : "'");
		for (const char *p = v.v[i]; *p; p++)
			*p == '\'' ? strbuf_adds(&b, "'\\''") : strbuf_addc(&b, *p);
		strbuf_addc(&b, '\'');
	}
	_cleanup_free_ char *quoted = strbuf_steal(&b);
	struct strv again = {0};
	if (v.n && words_parse_command(quoted, "command = ", &again, &err) < 0)
		abort();
	if (again.n != v.n)
		abort();
	for (size_t i = 0; i < v.n; i++)
		if (strcmp(again.v[i], v.v[i]) != 0)
			abort();
	strv_free(&again);
	strv_free(&v);
}

static void check_comment(const char *text)
{
	size_t len = strlen(text);
	for (int mode = 0; mode < 4; mode++) {
		bool blank = mode & 1, quotes = mode & 2;
		size_t at = comment_find(text, len, "#;", blank, quotes);
		if (at > len)
			abort();
		if (at == len)
			continue;
		if (!strchr("#;", text[at]) || (at ? !strchr(" \t\r\f\v", text[at - 1]) : !blank))
			abort();
		/* without quotes it is the first mark after a blank */
		if (!quotes)
			for (size_t i = 1; i < at; i++)
				if (strchr("#;", text[i]) && strchr(" \t\r\f\v", text[i - 1]))
					abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	_cleanup_free_ char *text = xstrndup((const char *)data + 1, size - 1);
	struct clan_err err;
	enum restart_policy p;
	switch (data[0] % 5) {
	case 0:
		check_duration(text);
		break;
	case 1:
		check_signal(text);
		break;
	case 2:
		if (restart_parse(text, &p, &err) == 0 && strcmp(restart_name(p), text) != 0)
			abort();
		break;
	case 3:
		check_words(text, false);
		check_comment(text);
		break;
	default:
		check_words(text, true);
		break;
	}
	return 0;
}
