/* Unit tests for base/format: sizes and durations as docker prints them
 * (go-units HumanSizeWithPrecision(n, 3) and HumanDuration). */
#include <string.h>

#include "base/format.h"
#include "tap.h"

static const char *size(uint64_t n)
{
	static char buf[32];
	format_size(n, buf, sizeof buf);
	return buf;
}

static const char *dur(int64_t s)
{
	static char buf[48];
	format_duration(s, buf, sizeof buf);
	return buf;
}

TEST(sizes_as_docker_images)
{
	CHECK_STR(size(0), "0B");
	CHECK_STR(size(999), "999B");
	/* was "1.0kB" in clan images and "1.0 kB" in pull's progress */
	CHECK_STR(size(1000), "1kB");
	CHECK_STR(size(1500), "1.5kB");
	CHECK_STR(size(1234), "1.23kB");
	/* was "4.2MB" in images but "4.2 MB" in pull's progress */
	CHECK_STR(size(4200000), "4.2MB");
	/* was "153.4MB" / "153.4 MB": three digits, as docker */
	CHECK_STR(size(153400000), "153MB");
	CHECK_STR(size(1500000000), "1.5GB");
	CHECK_STR(size(2000000000000ULL), "2TB");
	/* no "1e+03kB" (go-units prints that): the next unit up */
	CHECK_STR(size(999999), "1MB");
	CHECK_STR(size(999499), "999kB");
	CHECK_STR(size(UINT64_MAX), "18.4EB");
}

TEST(size_fits_a_small_buffer)
{
	char buf[4];
	format_size(4200000, buf, sizeof buf);
	CHECK_STR(buf, "4.2");
}

TEST(durations_as_docker)
{
	CHECK_STR(dur(-5), "Less than a second");
	CHECK_STR(dur(0), "Less than a second");
	CHECK_STR(dur(1), "1 second");
	CHECK_STR(dur(59), "59 seconds");
	/* clan images said "90 seconds ago", clan ps "1 minutes" */
	CHECK_STR(dur(60), "About a minute");
	CHECK_STR(dur(119), "About a minute");
	CHECK_STR(dur(120), "2 minutes");
	CHECK_STR(dur(3599), "59 minutes");
	/* hours round to the nearest one */
	CHECK_STR(dur(3600), "About an hour");
	CHECK_STR(dur(5399), "About an hour");
	CHECK_STR(dur(5400), "2 hours");
	CHECK_STR(dur(47 * 3600), "47 hours");
	CHECK_STR(dur(48 * 3600), "2 days");
	CHECK_STR(dur(13 * 86400), "13 days");
	CHECK_STR(dur(14 * 86400), "2 weeks");
	CHECK_STR(dur(59 * 86400), "8 weeks");
	CHECK_STR(dur(60 * 86400), "2 months");
	CHECK_STR(dur(729 * 86400), "24 months");
	CHECK_STR(dur(730 * 86400), "2 years");
	CHECK_STR(dur(3650LL * 86400), "10 years");
}

static bool size_is(const char *text, uint64_t want)
{
	uint64_t v = 12345;
	return parse_size(text, &v) && v == want;
}

static bool size_refused(const char *text)
{
	uint64_t v = 12345;
	return !parse_size(text, &v) && v == 12345;
}

/* docker's --shm-size and tmpfs sizes (go-units RAMInBytes: binary units,
 * an optional i and b, a fraction, one space) */
TEST(sizes_as_docker_reads_them)
{
	CHECK(size_is("0", 0));
	CHECK(size_is("100", 100));
	CHECK(size_is("100b", 100));
	CHECK(size_is("100B", 100));
	CHECK(size_is("64m", 64ULL << 20));
	CHECK(size_is("64M", 64ULL << 20));
	CHECK(size_is("64mb", 64ULL << 20));
	CHECK(size_is("64MiB", 64ULL << 20));
	CHECK(size_is("64 m", 64ULL << 20));
	CHECK(size_is("512k", 512ULL << 10));
	CHECK(size_is("1g", 1ULL << 30));
	CHECK(size_is("2t", 2ULL << 40));
	CHECK(size_is("1p", 1ULL << 50));
	CHECK(size_is("1.5g", 3ULL << 29));
	CHECK(size_is("0.5k", 512));
	CHECK(size_is("1.0001", 1)); /* a fraction of a byte is dropped */
	CHECK(size_is("9223372036854775807", 9223372036854775807ULL));
	CHECK(size_is("8191p", 8191ULL << 50));
}

TEST(bad_sizes_refused)
{
	CHECK(size_refused(""));
	/* wraps past 2^64 in the multiply: was read as 4 */
	CHECK(size_refused("18446744073709551620"));
	CHECK(size_refused("9223372036854775808"));
	CHECK(size_refused("-1"));
	CHECK(size_refused("+1"));
	CHECK(size_refused(" 1"));
	CHECK(size_refused("m"));
	CHECK(size_refused("1x"));
	CHECK(size_refused("1e"));
	CHECK(size_refused("1mm"));
	CHECK(size_refused("1i")); /* i only after a unit */
	CHECK(size_refused("1.g"));
	CHECK(size_refused(".5g"));
	CHECK(size_refused("1.2.3"));
	CHECK(size_refused("1  m"));
	CHECK(size_refused("50%"));
	/* more than docker's int64 */
	CHECK(size_refused("9223372036854775808"));
	CHECK(size_refused("99999999999999999999999"));
	CHECK(size_refused("8192p"));
	CHECK(size_refused("9999999999g"));
	CHECK(size_refused(NULL));
}
