/* Unit tests for rootless/root_range: which ids root's containers map to,
 * the record in the storage dir, and its reuse. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ns/root_range.h"
#include "tap.h"
#include "base/util.h"

TEST(pick_auto_without_files)
{
	struct subid_range u, g;
	CHECK(root_range_pick(NULL, NULL, &u, &g));
	CHECK(u.start == ROOT_RANGE_BASE && u.count == ROOT_RANGE_COUNT);
	CHECK(g.start == ROOT_RANGE_BASE && g.count == ROOT_RANGE_COUNT);
}

TEST(pick_skips_ranges_in_use)
{
	struct subid_range u, g;
	/* a user's range that reaches one id into the first candidate, and a
	 * group range over the second: the third is free in both */
	const char *su = "alice:100000:65536\nbob:2147418112:65537\n";
	const char *sg = "carol:2147549184:10\n";
	CHECK(root_range_pick(su, sg, &u, &g));
	CHECK(u.start == 2147483648u + 2 * 65536 && u.start == g.start);
	/* a huge range from 2^31 to the end leaves nothing */
	CHECK(!root_range_pick("big:2147483648:2147483647\n", NULL, &u, &g));
}

TEST(pick_root_entry)
{
	struct subid_range u, g;
	CHECK(root_range_pick("root:1000000:65536\n", "0:2000000:1000\n", &u, &g));
	CHECK(u.start == 1000000 && u.count == 65536);
	CHECK(g.start == 2000000 && g.count == 1000);
	/* only in one file: the picked range for both */
	CHECK(root_range_pick("root:1000000:65536\n", "", &u, &g));
	CHECK(u.start == ROOT_RANGE_BASE && g.start == ROOT_RANGE_BASE);
	/* an entry holding id 0 would make the container's root host root */
	CHECK(root_range_pick("root:0:65536\n", "root:0:65536\n", &u, &g));
	CHECK(u.start == ROOT_RANGE_BASE && g.start == ROOT_RANGE_BASE);
}

TEST(format_parse)
{
	struct subid_range u = {3000000000u, 65536}, g = {3000065536u, 100}, u2, g2;
	_cleanup_free_ char *text = root_range_format(&u, &g);
	CHECK(root_range_parse(text, &u2, &g2));
	CHECK(u2.start == u.start && u2.count == u.count);
	CHECK(g2.start == g.start && g2.count == g.count);
	CHECK(!root_range_parse("uid 0 65536\ngid 100000 65536\n", &u2, &g2));
	CHECK(!root_range_parse("uid 4294901760 65536\ngid 100000 65536\n", &u2, &g2));
	CHECK(!root_range_parse("uid 100000 65536\n", &u2, &g2));
	CHECK(!root_range_parse("uid 100000 65536\ngid 100000 65536\nextra\n", &u2, &g2));
	CHECK(!root_range_parse("uid 100000\ngid 100000 65536\n", &u2, &g2));
}

static void put(const char *path, const char *text)
{
	struct clan_err err;
	if (write_file(path, text, strlen(text), &err) < 0)
		abort();
}

TEST(get_records_and_reuses)
{
	char dir[] = "/tmp/clan-root-range-XXXXXX";
	if (!mkdtemp(dir))
		abort();
	_cleanup_free_ char *storage = xasprintf("%s/storage", dir);
	_cleanup_free_ char *su = xasprintf("%s/subuid", dir);
	_cleanup_free_ char *sg = xasprintf("%s/subgid", dir);
	_cleanup_free_ char *rec = xasprintf("%s/%s", storage, ROOT_RANGE_FILE);
	put(su, "alice:2147483648:65536\n");
	put(sg, "alice:2147483648:65536\n");
	struct subid_range u, g, u2, g2;
	struct clan_err err;
	CHECK(root_range_get(storage, su, sg, &u, &g, &err) == 0);
	CHECK(u.start == 2147483648u + 65536 && g.start == u.start);
	struct stat st;
	CHECK(stat(rec, &st) == 0 && (st.st_mode & 0777) == 0600);
	/* a new entry for root later does not move a storage's containers */
	put(su, "alice:2147483648:65536\nroot:1000000:65536\n");
	put(sg, "alice:2147483648:65536\nroot:1000000:65536\n");
	CHECK(root_range_get(storage, su, sg, &u2, &g2, &err) == 0);
	CHECK(u2.start == u.start && g2.start == g.start);
	/* the recorded ids given to a user since: refused, naming both */
	put(su, "bob:2147549184:10\n");
	CHECK(root_range_get(storage, su, sg, &u2, &g2, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE);
	CHECK(strstr(err.msg, "bob") && strstr(err.msg, rec));
	/* a record that holds id 0: refused, never used */
	put(su, "");
	put(rec, "uid 0 4294967295\ngid 0 4294967295\n");
	CHECK(root_range_get(storage, su, sg, &u2, &g2, &err) < 0);
	CHECK(err.code == CLAN_EXIT_USAGE && strstr(err.msg, "remove it"));
	remove_tree(dir, &err);
}
