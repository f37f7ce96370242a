/* libFuzzer target: compose's non-string values (launcher/cfgval:
 * durations, signals, restart policies) and command strings
 * (launcher/words). The first byte picks the parser, the rest is the
 * text. Errors are exit 2; a parsed duration or signal formats to text
 * that parses back to it; a parsed command has at least one word. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgval.h"
#include "util.h"
#include "words.h"

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
	int rc =
	    json ? words_parse_json_array(text, &v, &err) : words_parse_command(text, &v, &err);
	if (rc < 0) {
		if (err.code != CLAN_EXIT_USAGE || v.n != 0)
			abort();
		return;
	}
	if ((v.v ? v.v[v.n] != NULL : v.n != 0) || (!json && v.n == 0))
		abort();
	strv_free(&v);
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
		break;
	default:
		check_words(text, true);
		break;
	}
	return 0;
}
