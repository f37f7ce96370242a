/* Unit tests for rootless/container/ulimit: docker's --ulimit syntax
 * (go-units ulimit.go: NAME=SOFT[:HARD], names, -1 unlimited, soft <=
 * hard), a later limit replacing an earlier one, and the host's hard
 * limit as the ceiling. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/resource.h>

#include "container/ulimit.h"
#include "tap.h"
#include "base/util.h"

static bool parses(const char *text, int res, uint64_t soft, uint64_t hard)
{
	struct ulimit_spec u;
	struct clan_err err;
	return ulimit_parse(text, &u, &err) == 0 && u.resource == res && u.soft == soft &&
	       u.hard == hard;
}

/* refused with exit 2 and a message containing what */
static bool refused(const char *text, const char *what)
{
	struct ulimit_spec u;
	struct clan_err err = {0};
	if (ulimit_parse(text, &u, &err) == 0 || err.code != CLAN_EXIT_USAGE)
		return false;
	if (!strstr(err.msg, what)) {
		printf("#   '%s': %s\n", text, err.msg);
		return false;
	}
	return true;
}

TEST(docker_syntax)
{
	CHECK(parses("nofile=1024", RLIMIT_NOFILE, 1024, 1024));
	CHECK(parses("nofile=1024:4096", RLIMIT_NOFILE, 1024, 4096));
	CHECK(parses("nproc=0", RLIMIT_NPROC, 0, 0));
	CHECK(parses("core=0:-1", RLIMIT_CORE, 0, RLIM_INFINITY));
	CHECK(parses("memlock=-1", RLIMIT_MEMLOCK, RLIM_INFINITY, RLIM_INFINITY));
	CHECK(parses("memlock=-1:-1", RLIMIT_MEMLOCK, RLIM_INFINITY, RLIM_INFINITY));
	CHECK(parses("stack=8388608", RLIMIT_STACK, 8388608, 8388608));
	CHECK(parses("fsize=1:2", RLIMIT_FSIZE, 1, 2));
	CHECK(parses("cpu=10", RLIMIT_CPU, 10, 10));
	CHECK(parses("as=1073741824", RLIMIT_AS, 1073741824, 1073741824));
	CHECK(parses("rttime=5", RLIMIT_RTTIME, 5, 5));
	CHECK(parses("sigpending=7", RLIMIT_SIGPENDING, 7, 7));
	CHECK(parses("nofile=18446744073709551614", RLIMIT_NOFILE, 18446744073709551614ULL,
		     18446744073709551614ULL));
}

TEST(bad_limits)
{
	CHECK(refused("nofile=10:5", "soft limit 10 is above the hard limit 5"));
	CHECK(refused("nofile=-1:5", "soft limit unlimited is above the hard limit 5"));
	CHECK(refused("nofile", "expected NAME=SOFT[:HARD]"));
	CHECK(refused("=5", "unknown ulimit ''"));
	CHECK(refused("nofiles=5", "did you mean nofile?"));
	CHECK(refused("NOFILE=5", "did you mean nofile?"));
	CHECK(refused("bogus=5", "unknown ulimit 'bogus'"));
	CHECK(refused("nofile=", "whole numbers"));
	CHECK(refused("nofile=:5", "whole numbers"));
	CHECK(refused("nofile=5:", "whole numbers"));
	CHECK(refused("nofile=-2", "whole numbers"));
	CHECK(refused("nofile=1k", "whole numbers"));
	CHECK(refused("nofile= 5", "whole numbers"));
	CHECK(refused("nofile=5:6:7", "whole numbers"));
	CHECK(refused("nofile=99999999999999999999999", "whole numbers"));
}

/* the record keeps them as text for clan exec: it reads back the same */
TEST(format_reads_back)
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
