/* Unit tests for rootless/idmap: the /etc/subuid lookup, the maps built for
 * each user-namespace mode, their text and its parser. */
#define _GNU_SOURCE
#include <stdint.h>

#include "ns/idmap.h"
#include "tap.h"
#include "base/util.h"

/* Looks user/uid up in text; the range is {0, 0} when not found. */
static bool find(const char *text, const char *user, uint32_t uid, struct subid_range *r)
{
	*r = (struct subid_range){0, 0};
	return subid_find_in_text(text, user, uid, r);
}

TEST(subid_by_name)
{
	struct subid_range r;
	CHECK(find("alice:100000:65536\n", "alice", 1000, &r));
	CHECK(r.start == 100000 && r.count == 65536);
	CHECK(find("bob:1:2\nalice:200000:1000\n", "alice", 4242, &r));
	CHECK(r.start == 200000 && r.count == 1000);
	/* a prefix or an extension of the name is another user */
	CHECK(!find("alic:1:2\nalice2:3:4\n", "alice", 4242, &r));
	CHECK(r.start == 0 && r.count == 0);
	/* no trailing newline */
	CHECK(find("alice:7:8", "alice", 1, &r));
	CHECK(r.start == 7 && r.count == 8);
}

TEST(subid_by_uid)
{
	struct subid_range r;
	CHECK(find("1000:300000:65536\n", "alice", 1000, &r));
	CHECK(r.start == 300000 && r.count == 65536);
	/* NULL user: only the uid can match */
	CHECK(find("alice:1:2\n1000:5:6\n", NULL, 1000, &r));
	CHECK(r.start == 5 && r.count == 6);
	CHECK(!find("alice:1:2\n", NULL, 1000, &r));
	/* the uid is compared as decimal text: 01000 is not 1000 */
	CHECK(!find("01000:1:2\n", "bob", 1000, &r));
	CHECK(find("0:9:10\n", "root", 0, &r));
	CHECK(r.start == 9 && r.count == 10);
}

TEST(subid_comments_and_malformed_lines)
{
	struct subid_range r;
	const char *text = "# alice:1:1\n"
			   "\n"
			   "alice\n"
			   "alice:100000\n"
			   "alice:x:5\n"
			   "alice:5:y\n"
			   "alice:-1:5\n"
			   "alice: 5:5\n"
			   "alice:5:5 \n"
			   "alice:4294967296:5\n"
			   "alice:1:2:3\n"
			   ":1:2\n"
			   "alice:500000:65536\n";
	CHECK(find(text, "alice", 1000, &r));
	CHECK(r.start == 500000 && r.count == 65536);
	CHECK(!find("# alice:1:1\n", "alice", 1000, &r));
	CHECK(!find("", "alice", 1000, &r));
	CHECK(!find("\n\n\n", "alice", 1000, &r));
	/* an empty name never matches, even an empty user */
	CHECK(!find(":1:2\n", "", 1000, &r));
}

TEST(subid_first_match_wins)
{
	struct subid_range r;
	CHECK(find("alice:1:10\nalice:2:20\n", "alice", 1000, &r));
	CHECK(r.start == 1 && r.count == 10);
	/* by uid before by name, whichever comes first */
	CHECK(find("1000:5:5\nalice:1:1\n", "alice", 1000, &r));
	CHECK(r.start == 5 && r.count == 5);
	CHECK(find("alice:1:1\n1000:5:5\n", "alice", 1000, &r));
	CHECK(r.start == 1 && r.count == 1);
}

TEST(subid_zero_count_rejected)
{
	struct subid_range r;
	CHECK(!find("alice:100000:0\n", "alice", 1000, &r));
	CHECK(find("alice:100000:0\nalice:200000:5\n", "alice", 1000, &r));
	CHECK(r.start == 200000 && r.count == 5);
}

TEST(subid_crlf)
{
	struct subid_range r;
	CHECK(find("bob:1:1\r\nalice:100000:65536\r\n", "alice", 1000, &r));
	CHECK(r.start == 100000 && r.count == 65536);
	CHECK(find("alice:7:4294967295\r", "alice", 1000, &r));
	CHECK(r.start == 7 && r.count == UINT32_MAX);
}

TEST(subid_find_missing_file)
{
	struct subid_range r = {0, 0};
	CHECK(!subid_find("/nonexistent/clan/subuid", "alice", 1000, &r));
	CHECK(r.start == 0 && r.count == 0);
}

TEST(idmap_builders)
{
	struct idmap m = {0};
	idmap_single(&m, 0, 1000);
	CHECK(m.n == 1);
	CHECK(m.r[0].inside == 0 && m.r[0].outside == 1000 && m.r[0].count == 1);

	idmap_single(&m, 1000, 1000);
	CHECK(m.n == 1);
	CHECK(m.r[0].inside == 1000 && m.r[0].outside == 1000 && m.r[0].count == 1);

	struct subid_range sub = {100000, 65536};
	idmap_subid(&m, 1000, &sub);
	CHECK(m.n == 2);
	CHECK(m.r[0].inside == 0 && m.r[0].outside == 1000 && m.r[0].count == 1);
	CHECK(m.r[1].inside == 1 && m.r[1].outside == 100000 && m.r[1].count == 65536);

	idmap_identity(&m);
	CHECK(m.n == 1);
	CHECK(m.r[0].inside == 0 && m.r[0].outside == 0 && m.r[0].count == UINT32_MAX);
}

TEST(idmap_format_text)
{
	struct idmap m;
	char buf[256];
	struct subid_range sub = {100000, 65536};

	idmap_subid(&m, 1000, &sub);
	idmap_format(&m, buf, sizeof buf);
	CHECK_STR(buf, "0 1000 1\n1 100000 65536\n");

	idmap_single(&m, 0, 1000);
	idmap_format(&m, buf, sizeof buf);
	CHECK_STR(buf, "0 1000 1\n");

	idmap_identity(&m);
	idmap_format(&m, buf, sizeof buf);
	CHECK_STR(buf, "0 0 4294967295\n");

	m.n = 0;
	idmap_format(&m, buf, sizeof buf);
	CHECK_STR(buf, "");
}

TEST(idmap_format_truncates)
{
	struct idmap m;
	char buf[12];
	struct subid_range sub = {100000, 65536};
	idmap_subid(&m, 1000, &sub);
	idmap_format(&m, buf, 5);
	CHECK_STR(buf, "0 10");
	idmap_format(&m, buf, sizeof buf);
	CHECK_STR(buf, "0 1000 1\n1 ");
}

TEST(idmap_to_host_edges)
{
	struct idmap m;
	uint32_t h = 7;
	struct subid_range sub = {100000, 65536};

	idmap_subid(&m, 1000, &sub);
	CHECK(idmap_to_host(&m, 0, &h) && h == 1000);
	CHECK(idmap_to_host(&m, 1, &h) && h == 100000);	    /* first of the range */
	CHECK(idmap_to_host(&m, 65536, &h) && h == 165535); /* last of the range */
	h = 7;
	CHECK(!idmap_to_host(&m, 65537, &h)); /* just outside */
	CHECK(h == 7);
	CHECK(!idmap_to_host(&m, UINT32_MAX, &h));

	idmap_single(&m, 1000, 1000);
	CHECK(idmap_to_host(&m, 1000, &h) && h == 1000);
	CHECK(!idmap_to_host(&m, 999, &h));
	CHECK(!idmap_to_host(&m, 1001, &h));
	CHECK(!idmap_to_host(&m, 0, &h));

	idmap_identity(&m);
	CHECK(idmap_to_host(&m, 0, &h) && h == 0);
	CHECK(idmap_to_host(&m, 4294967294u, &h) && h == 4294967294u);
	CHECK(!idmap_to_host(&m, UINT32_MAX, &h)); /* (uid_t)-1 is never an id */

	m.n = 0;
	CHECK(!idmap_to_host(&m, 0, &h));
}

TEST(idmap_parse_valid)
{
	struct idmap m;
	CHECK(idmap_parse("0 1000 1\n1 100000 65536\n", &m));
	CHECK(m.n == 2);
	CHECK(m.r[0].inside == 0 && m.r[0].outside == 1000 && m.r[0].count == 1);
	CHECK(m.r[1].inside == 1 && m.r[1].outside == 100000 && m.r[1].count == 65536);

	/* the padded columns of /proc/self/uid_map */
	CHECK(idmap_parse("         0          0 4294967295\n", &m));
	CHECK(m.n == 1);
	CHECK(m.r[0].inside == 0 && m.r[0].outside == 0 && m.r[0].count == UINT32_MAX);

	/* tabs, trailing blanks and no final newline */
	CHECK(idmap_parse("5\t6\t7 \t", &m));
	CHECK(m.n == 1 && m.r[0].inside == 5 && m.r[0].outside == 6 && m.r[0].count == 7);

	CHECK(idmap_parse("0 1 1\n1 2 1\n2 3 1\n3 4 1\n", &m));
	CHECK(m.n == 4 && m.r[3].inside == 3 && m.r[3].outside == 4);
}

TEST(idmap_parse_round_trip)
{
	struct idmap a, b;
	char buf[256];
	struct subid_range sub = {231072, 65536};
	idmap_subid(&a, 1000, &sub);
	idmap_format(&a, buf, sizeof buf);
	CHECK(idmap_parse(buf, &b));
	CHECK(b.n == a.n);
	for (size_t i = 0; i < a.n && i < b.n; i++)
		CHECK(a.r[i].inside == b.r[i].inside && a.r[i].outside == b.r[i].outside &&
		      a.r[i].count == b.r[i].count);
}

TEST(idmap_parse_garbage)
{
	struct idmap m;
	const char *bad[] = {
	    "",
	    "\n",
	    "garbage",
	    "0 1000\n",
	    "0 1000 1 5\n",
	    "0 1000 x\n",
	    "-1 0 1\n",
	    "+1 0 1\n",
	    "0 4294967296 1\n",
	    "0 0 99999999999999999999999\n",
	    "0 1000 1\n\n",
	    "0 1000 1\ngarbage\n",
	    "0,1000,1\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		bool ok = idmap_parse(bad[i], &m);
		if (ok)
			printf("#   accepted: '%s'\n", bad[i]);
		CHECK(!ok);
	}
}

TEST(idmap_parse_more_than_four_lines)
{
	struct idmap m;
	CHECK(!idmap_parse("0 1 1\n1 2 1\n2 3 1\n3 4 1\n4 5 1\n", &m));
	CHECK(m.n <= IDMAP_MAX);
}
