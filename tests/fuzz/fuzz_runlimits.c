/* libFuzzer target: the values of clan run's container limits. The first
 * byte picks the parser: --tmpfs (tmpfs_spec_parse), --ulimit
 * (ulimit_parse), sizes (parse_size) or capability names
 * (caps_from_name). Accepted values keep their invariants, and an accepted
 * tmpfs prints back (tmpfs_spec_data) to options that parse to the same. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "base/format.h"
#include "base/util.h"
#include "container/ulimit.h"
#include "fs/tmpfs_spec.h"
#include "ns/caps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_refusal(const struct clan_err *err)
{
	if (err->code != CLAN_EXIT_USAGE)
		abort();
}

static void fuzz_tmpfs(const char *text)
{
	struct tmpfs_spec t, again;
	struct clan_err err;
	if (tmpfs_spec_parse(text, &t, &err) < 0)
		return check_refusal(&err);
	if (t.dst[0] != '/' || strstr(t.dst, "/../") || (t.has_mode && t.mode > 07777) ||
	    (t.has_size && t.size > INT64_MAX))
		abort();
	_cleanup_free_ char *opts = tmpfs_spec_data(&t);
	_cleanup_free_ char *back =
	    xasprintf("%s:%s%s%s%s%s", t.dst, opts, t.flags & MS_RDONLY ? ",ro" : "",
		      t.flags & MS_NOEXEC ? "" : ",exec", t.flags & MS_NOSUID ? "" : ",suid",
		      t.flags & MS_NODEV ? "" : ",dev");
	if (tmpfs_spec_parse(back, &again, &err) < 0 || strcmp(again.dst, t.dst) != 0 ||
	    again.flags != t.flags || again.has_size != t.has_size || again.size != t.size ||
	    again.has_mode != t.has_mode || again.mode != t.mode)
		abort();
	tmpfs_spec_free(&again);
	tmpfs_spec_free(&t);
}

static void fuzz_ulimit(const char *text)
{
	struct ulimit_spec u;
	struct clan_err err;
	if (ulimit_parse(text, &u, &err) < 0)
		return check_refusal(&err);
	if (u.soft > u.hard || strcmp(ulimit_name(u.resource), "?") == 0)
		abort();
}

static void fuzz_caps(const char *text)
{
	int cap;
	struct clan_err err;
	if (caps_from_name(text, &cap, &err) < 0)
		return check_refusal(&err);
	if (cap != CAPS_ALL && (cap < 0 || cap > 63))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	_cleanup_free_ char *text = xstrndup((const char *)data + 1, size - 1);
	uint64_t v;
	switch (data[0] % 4) {
	case 0:
		fuzz_tmpfs(text);
		break;
	case 1:
		fuzz_ulimit(text);
		break;
	case 2:
		if (parse_size(text, &v) && v > INT64_MAX)
			abort();
		break;
	case 3:
		fuzz_caps(text);
		break;
	}
	return 0;
}
