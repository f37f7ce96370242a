/* Unit tests for the values of clan run's container limits: docker's
 * --tmpfs DST[:OPTS] (rootless/fs/tmpfs_spec: defaults rw,noexec,nosuid,
 * nodev, sizes, modes, every refusal) and --ulimit (rootless/container/
 * ulimit: go-units ulimit.go's NAME=SOFT[:HARD], names, -1 unlimited, soft
 * <= hard, a later limit replacing an earlier one, the host's hard limit
 * as the ceiling). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "container/ulimit.h"
#include "fs/tmpfs_spec.h"
#include "tap.h"
#include "base/util.h"

/* err is an exit-2 refusal whose message has what */
static bool refused_with(const struct clan_err *err, const char *text, const char *what)
{
	if (err->code == CLAN_EXIT_USAGE && strstr(err->msg, what))
		return true;
	printf("#   '%s': exit %d: %s\n", text, err->code, err->msg);
	return false;
}

#define DEFAULTS (MS_NOEXEC | MS_NOSUID | MS_NODEV)

static bool parse(const char *text, struct tmpfs_spec *t, struct clan_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
	return tmpfs_spec_parse(text, t, err) == 0;
}

/* parsed into data (tmpfs_spec_data) and flags */
static bool parses(const char *text, const char *dst, const char *data, unsigned long flags)
{
	struct tmpfs_spec t;
	struct clan_err err;
	if (!parse(text, &t, &err)) {
		printf("#   '%s': %s\n", text, err.msg);
		return false;
	}
	_cleanup_free_ char *d = tmpfs_spec_data(&t);
	bool ok = strcmp(t.dst, dst) == 0 && strcmp(d, data) == 0 && t.flags == flags;
	if (!ok)
		printf("#   '%s': dst '%s' data '%s' flags %#lx\n", text, t.dst, d, t.flags);
	tmpfs_spec_free(&t);
	return ok;
}

static bool tmpfs_refused(const char *text, const char *what)
{
	struct tmpfs_spec t = {0};
	struct clan_err err;
	return !parse(text, &t, &err) && !t.dst && refused_with(&err, text, what);
}

TEST(tmpfs_defaults_as_docker)
{
	CHECK(parses("/run", "/run", "", DEFAULTS));
	CHECK(parses("/run:", "/run", "", DEFAULTS));
	CHECK(parses("/run:rw", "/run", "", DEFAULTS));
}

TEST(tmpfs_options)
{
	CHECK(parses("/x:size=64m", "/x", "size=67108864", DEFAULTS));
	CHECK(parses("/x:size=65536k,mode=1777", "/x", "mode=1777,size=67108864", DEFAULTS));
	CHECK(parses("/x:mode=700", "/x", "mode=700", DEFAULTS));
	CHECK(parses("/x:mode=0", "/x", "mode=0", DEFAULTS));
	CHECK(parses("/x:mode=07777", "/x", "mode=7777", DEFAULTS));
	CHECK(parses("/x:size=100", "/x", "size=100", DEFAULTS));
	/* the kernel's: no limit */
	CHECK(parses("/x:size=0", "/x", "size=0", DEFAULTS));
	CHECK(parses("/x:ro", "/x", "", DEFAULTS | MS_RDONLY));
	CHECK(parses("/x:ro,rw", "/x", "", DEFAULTS));
	CHECK(parses("/x:exec", "/x", "", MS_NOSUID | MS_NODEV));
	CHECK(parses("/x:exec,noexec", "/x", "", DEFAULTS));
	CHECK(parses("/x:suid,dev", "/x", "", MS_NOEXEC));
	CHECK(parses("/x:exec,suid,dev,ro", "/x", "", MS_RDONLY));
	/* the later size wins */
	CHECK(parses("/x:size=1m,size=2k", "/x", "size=2048", DEFAULTS));
	CHECK(parses("/a/b/c:,size=1g,", "/a/b/c", "size=1073741824", DEFAULTS));
}

TEST(tmpfs_refusals)
{
	CHECK(tmpfs_refused("", "must be absolute"));
	CHECK(tmpfs_refused("x", "must be absolute"));
	CHECK(tmpfs_refused("rel/dir:size=1m", "must be absolute"));
	CHECK(tmpfs_refused(":size=1m", "must be absolute"));
	CHECK(tmpfs_refused("/a/../etc", "'..' is not allowed"));
	CHECK(tmpfs_refused("/..", "'..' is not allowed"));
	CHECK(tmpfs_refused("/a/..:ro", "'..' is not allowed"));
	CHECK(tmpfs_refused("/x:size=-1", "expected size=N[k|m|g]"));
	CHECK(tmpfs_refused("/x:size=", "expected size=N[k|m|g]"));
	CHECK(tmpfs_refused("/x:size=1x", "expected size=N[k|m|g]"));
	CHECK(tmpfs_refused("/x:size=50%", "expected size=N[k|m|g]"));
	CHECK(tmpfs_refused("/x:size=99999999999999999999", "expected size=N[k|m|g]"));
	CHECK(tmpfs_refused("/x:size=9999999999g", "expected size=N[k|m|g]"));
	CHECK(tmpfs_refused("/x:mode=99999", "expected an octal mode"));
	CHECK(tmpfs_refused("/x:mode=17777", "expected an octal mode"));
	CHECK(tmpfs_refused("/x:mode=8", "expected an octal mode"));
	CHECK(tmpfs_refused("/x:mode=", "expected an octal mode"));
	CHECK(tmpfs_refused("/x:mode=-1", "expected an octal mode"));
	CHECK(tmpfs_refused("/x:noexc", "did you mean noexec?"));
	CHECK(tmpfs_refused("/x:sise=1m", "did you mean size?"));
	CHECK(tmpfs_refused("/x:uid=0", "unknown option 'uid'; did you mean suid?"));
	CHECK(tmpfs_refused("/x:bind", "unknown option 'bind' (size=N[k|m|g], mode=OCTAL"));
}

/* ".." inside a name is a name */
TEST(dots_in_names_are_names)
{
	CHECK(parses("/a..b", "/a..b", "", DEFAULTS));
	CHECK(parses("/..a/b..", "/..a/b..", "", DEFAULTS));
}

static bool ulimit_parses(const char *text, int res, uint64_t soft, uint64_t hard)
{
	struct ulimit_spec u;
	struct clan_err err;
	return ulimit_parse(text, &u, &err) == 0 && u.resource == res && u.soft == soft &&
	       u.hard == hard;
}

static bool ulimit_refused(const char *text, const char *what)
{
	struct ulimit_spec u;
	struct clan_err err = {0};
	return ulimit_parse(text, &u, &err) < 0 && refused_with(&err, text, what);
}

TEST(ulimit_docker_syntax)
{
	CHECK(ulimit_parses("nofile=1024", RLIMIT_NOFILE, 1024, 1024));
	CHECK(ulimit_parses("nofile=1024:4096", RLIMIT_NOFILE, 1024, 4096));
	CHECK(ulimit_parses("nproc=0", RLIMIT_NPROC, 0, 0));
	CHECK(ulimit_parses("core=0:-1", RLIMIT_CORE, 0, RLIM_INFINITY));
	CHECK(ulimit_parses("memlock=-1", RLIMIT_MEMLOCK, RLIM_INFINITY, RLIM_INFINITY));
	CHECK(ulimit_parses("memlock=-1:-1", RLIMIT_MEMLOCK, RLIM_INFINITY, RLIM_INFINITY));
	CHECK(ulimit_parses("stack=8388608", RLIMIT_STACK, 8388608, 8388608));
	CHECK(ulimit_parses("fsize=1:2", RLIMIT_FSIZE, 1, 2));
	CHECK(ulimit_parses("cpu=10", RLIMIT_CPU, 10, 10));
	CHECK(ulimit_parses("as=1073741824", RLIMIT_AS, 1073741824, 1073741824));
	CHECK(ulimit_parses("rttime=5", RLIMIT_RTTIME, 5, 5));
	CHECK(ulimit_parses("sigpending=7", RLIMIT_SIGPENDING, 7, 7));
	CHECK(ulimit_parses("nofile=18446744073709551614", RLIMIT_NOFILE, 18446744073709551614ULL,
			    18446744073709551614ULL));
}

TEST(ulimit_bad_limits)
{
	CHECK(ulimit_refused("nofile=10:5", "soft limit 10 is above the hard limit 5"));
	CHECK(ulimit_refused("nofile=-1:5", "soft limit unlimited is above the hard limit 5"));
	CHECK(ulimit_refused("nofile", "expected NAME=SOFT[:HARD]"));
	CHECK(ulimit_refused("=5", "unknown ulimit ''"));
	CHECK(ulimit_refused("nofiles=5", "did you mean nofile?"));
	CHECK(ulimit_refused("NOFILE=5", "did you mean nofile?"));
	CHECK(ulimit_refused("bogus=5", "unknown ulimit 'bogus'"));
	CHECK(ulimit_refused("nofile=", "whole numbers"));
	CHECK(ulimit_refused("nofile=:5", "whole numbers"));
	CHECK(ulimit_refused("nofile=5:", "whole numbers"));
	CHECK(ulimit_refused("nofile=-2", "whole numbers"));
	CHECK(ulimit_refused("nofile=1k", "whole numbers"));
	CHECK(ulimit_refused("nofile= 5", "whole numbers"));
	CHECK(ulimit_refused("nofile=5:6:7", "whole numbers"));
	CHECK(ulimit_refused("nofile=99999999999999999999999", "whole numbers"));
}

/* the record keeps them as text for clan exec: it reads back the same */
TEST(ulimit_format_reads_back)
{
	static const char *const texts[] = {"nofile=100:200", "memlock=-1:-1", "core=0:-1",
					    "nproc=5:5"};
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		struct ulimit_spec u, again;
		struct clan_err err;
		char buf[80];
		CHECK(ulimit_parse(texts[i], &u, &err) == 0);
		ulimit_format(&u, buf, sizeof buf);
		CHECK_STR(buf, texts[i]);
		CHECK(ulimit_parse(buf, &again, &err) == 0);
		CHECK(again.resource == u.resource && again.soft == u.soft && again.hard == u.hard);
	}
}

TEST(a_later_limit_replaces_an_earlier_one)
{
	struct ulimit_spec *list = NULL, u;
	size_t n = 0;
	struct clan_err err;
	CHECK(ulimit_parse("nofile=10:20", &u, &err) == 0);
	ulimit_put(&list, &n, &u);
	CHECK(ulimit_parse("nproc=5", &u, &err) == 0);
	ulimit_put(&list, &n, &u);
	CHECK(ulimit_parse("nofile=30", &u, &err) == 0);
	ulimit_put(&list, &n, &u);
	CHECK(n == 2);
	CHECK(list[0].resource == RLIMIT_NOFILE && list[0].soft == 30 && list[0].hard == 30);
	CHECK(list[1].resource == RLIMIT_NPROC);
	CHECK_STR(ulimit_name(list[0].resource), "nofile");
	free(list);
}

TEST(hard_limit_above_the_hosts_is_exit_125)
{
	struct rlimit host;
	CHECK(getrlimit(RLIMIT_NOFILE, &host) == 0);
	if (host.rlim_max == RLIM_INFINITY) {
		SKIP("the hard nofile limit here is unlimited: nothing is above it");
	}
	struct ulimit_spec ok = {RLIMIT_NOFILE, 1, host.rlim_max};
	struct ulimit_spec over = {RLIMIT_NOFILE, 1, host.rlim_max + 1};
	struct clan_err err;
	CHECK(ulimits_check(&ok, 1, &err) == 0);
	CHECK(ulimits_check(&over, 1, &err) < 0);
	CHECK(err.code == CLAN_EXIT_SETUP);
	char want[96];
	snprintf(want, sizeof want, "above the host's (%llu)", (unsigned long long)host.rlim_max);
	CHECK(strstr(err.msg, "ulimit nofile") && strstr(err.msg, want));
	struct ulimit_spec inf = {RLIMIT_NOFILE, 1, RLIM_INFINITY};
	CHECK(ulimits_check(&inf, 1, &err) < 0 && strstr(err.msg, "hard limit unlimited"));
}
