/* Container records on disk (rootless/container/record_json.c): a record
 * written by the clan before the field table loads unchanged and saves
 * back byte for byte, and the table's rules for missing or odd values are
 * the ones the hand-written loader had. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "container/record_json.h"
#include "container/store.h"
#include "tap.h"

/* Copied verbatim from a container.json that store_save wrote before the
 * table (json_pack over 27 fields by position); every kind of field set. */
static const char today[] =
    "{\n"
    "  \"id\": \"3f9a0c1d2e4b5a6978e1f0d2c3b4a59687e6f5d4c3b2a1908f7e6d5c4b3a2910\",\n"
    "  \"name\": \"web\",\n"
    "  \"image\": \"debian:12\",\n"
    "  \"image_id\": \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\n"
    "  \"cmd\": [\n"
    "    \"sh\",\n"
    "    \"-c\",\n"
    "    \"echo \\\"hi\\\" && sleep 1\"\n"
    "  ],\n"
    "  \"created\": 1764931200,\n"
    "  \"finished\": 1764931260,\n"
    "  \"state\": \"exited\",\n"
    "  \"exit_code\": 130,\n"
    "  \"pid\": 4242,\n"
    "  \"pid_start\": 123456789012,\n"
    "  \"rm\": false,\n"
    "  \"userns\": \"subuid\",\n"
    "  \"uidmap\": [\n"
    "    [\n"
    "      0,\n"
    "      1000,\n"
    "      1\n"
    "    ],\n"
    "    [\n"
    "      1,\n"
    "      100000,\n"
    "      65536\n"
    "    ]\n"
    "  ],\n"
    "  \"gidmap\": [\n"
    "    [\n"
    "      0,\n"
    "      1000,\n"
    "      1\n"
    "    ],\n"
    "    [\n"
    "      1,\n"
    "      100000,\n"
    "      65536\n"
    "    ]\n"
    "  ],\n"
    "  \"network\": \"slirp4netns\",\n"
    "  \"net_owner\": null,\n"
    "  \"port_handler\": \"clan\",\n"
    "  \"ports\": [\n"
    "    \"127.0.0.1:8080->80/tcp\"\n"
    "  ],\n"
    "  \"init_pid\": 4250,\n"
    "  \"init_start\": 123456789100,\n"
    "  \"project\": \"shop\",\n"
    "  \"service\": null,\n"
    "  \"env\": [\n"
    "    \"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
    "    \"HOME=/root\"\n"
    "  ],\n"
    "  \"workdir\": \"/srv\",\n"
    "  \"uid\": 1000,\n"
    "  \"gid\": 1000\n"
    "}";

static char *temp_dir(void)
{
	char *dir = xstrdup("/tmp/clan-test-record-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	return dir;
}

static void put(const char *dir, const char *text)
{
	_cleanup_free_ char *path = xasprintf("%s/container.json", dir);
	FILE *f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static char *get(const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/container.json", dir);
	char *text = NULL;
	struct clan_err err;
	if (read_file(path, 1 << 20, &text, &err) < 0)
		return NULL;
	return text;
}

static void drop(char *dir)
{
	struct clan_err err;
	remove_tree(dir, &err);
	free(dir);
}

TEST(todays_record_loads_every_field)
{
	char *dir = temp_dir();
	put(dir, today);
	struct container_rec r;
	struct clan_err err;
	CHECK(store_load(dir, &r, &err) == 0);
	CHECK_STR(r.id, "3f9a0c1d2e4b5a6978e1f0d2c3b4a59687e6f5d4c3b2a1908f7e6d5c4b3a2910");
	CHECK_STR(r.name, "web");
	CHECK_STR(r.image, "debian:12");
	CHECK_STR(r.image_id,
		  "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	CHECK(r.cmd.n == 3 && r.cmd.v[3] == NULL);
	CHECK_STR(r.cmd.v[2], "echo \"hi\" && sleep 1");
	CHECK(r.created == 1764931200 && r.finished == 1764931260);
	CHECK_STR(r.state, "exited");
	CHECK(r.exit_code == 130 && r.pid == 4242 && r.pid_start == 123456789012ULL);
	CHECK(!r.rm);
	CHECK_STR(r.userns, "subuid");
	CHECK(r.uidmap.n == 2 && r.uidmap.r[1].inside == 1 && r.uidmap.r[1].outside == 100000 &&
	      r.uidmap.r[1].count == 65536);
	CHECK(r.gidmap.n == 2 && r.gidmap.r[0].outside == 1000);
	CHECK_STR(r.network, "slirp4netns");
	CHECK(r.net_owner == NULL);
	CHECK_STR(r.port_handler, "clan");
	CHECK(r.ports.n == 1);
	CHECK_STR(r.ports.v[0], "127.0.0.1:8080->80/tcp");
	CHECK(r.init_pid == 4250 && r.init_start == 123456789100ULL);
	CHECK_STR(r.project, "shop");
	CHECK(r.service == NULL);
	CHECK(r.env.n == 2);
	CHECK_STR(r.env.v[1], "HOME=/root");
	CHECK_STR(r.workdir, "/srv");
	CHECK(r.uid == 1000 && r.gid == 1000);
	CHECK_STR(r.dir, dir);
	container_rec_free(&r);
	drop(dir);
}

/* Saved again, it gains only the keys added since (--cap-add, --cap-drop
 * and --ulimit, empty: the default set and limits it ran with), at the
 * end. */
TEST(todays_record_saves_back_byte_for_byte)
{
	char *dir = temp_dir();
	put(dir, today);
	struct container_rec r;
	struct clan_err err;
	CHECK(store_load(dir, &r, &err) == 0);
	CHECK(r.cap_add.n == 0 && r.cap_drop.n == 0);
	CHECK(store_save(&r, &err) == 0);
	_cleanup_free_ char *again = get(dir);
	_cleanup_free_ char *want =
	    xasprintf("%.*s,\n  \"cap_add\": [],\n  \"cap_drop\": [],\n  \"ulimits\": []\n}",
		      (int)strlen(today) - 2, today);
	CHECK_STR(again, want);
	container_rec_free(&r);
	drop(dir);
}

/* clan exec gives its processes the container's capabilities: the record
 * keeps --cap-add/--cap-drop as given. */
TEST(capabilities_round_trip)
{
	char *dir = temp_dir();
	put(dir, today);
	struct container_rec r;
	struct clan_err err;
	CHECK(store_load(dir, &r, &err) == 0);
	strv_push(&r.cap_add, "NET_ADMIN");
	strv_push(&r.cap_drop, "ALL");
	CHECK(store_save(&r, &err) == 0);
	container_rec_free(&r);
	CHECK(store_load(dir, &r, &err) == 0);
	CHECK(r.cap_add.n == 1 && r.cap_drop.n == 1);
	CHECK_STR(r.cap_add.v[0], "NET_ADMIN");
	CHECK_STR(r.cap_drop.v[0], "ALL");
	container_rec_free(&r);
	drop(dir);
}

/* An older record without the later keys, and odd values: the rules the
 * hand-written loader had (required strings "", optional ones NULL, a
 * command keeps a non-string's place, env drops it). */
TEST(missing_and_odd_values_read_as_before)
{
	json_error_t je;
	json_t *o = json_loads("{\"id\": \"abc\", \"cmd\": [\"a\", 1, \"b\"],"
			       " \"env\": [\"A=1\", null, \"B=2\"], \"rm\": true,"
			       " \"net_owner\": 5, \"uidmap\": [[0, 1000, 1], [\"x\"]]}",
			       0, &je);
	CHECK(o != NULL);
	struct container_rec r;
	record_from_json(o, &r);
	json_decref(o);
	CHECK_STR(r.id, "abc");
	CHECK_STR(r.name, "");
	CHECK_STR(r.image, "");
	CHECK_STR(r.state, "");
	CHECK(r.cmd.n == 3);
	CHECK_STR(r.cmd.v[1], "");
	CHECK(r.env.n == 2);
	CHECK_STR(r.env.v[1], "B=2");
	CHECK(r.rm);
	CHECK(r.net_owner == NULL && r.project == NULL && r.workdir == NULL);
	CHECK(r.uidmap.n == 1 && r.uidmap.r[0].outside == 1000);
	CHECK(r.pid == 0 && r.init_start == 0);
	container_rec_free(&r);
}

/* json_pack refused a record without a name or image: so does the table. */
TEST(a_record_without_a_name_is_not_encoded)
{
	struct container_rec r = {0};
	r.image = xstrdup("debian:12");
	CHECK(record_to_json(&r) == NULL);
	r.name = xstrdup("web");
	json_t *o = record_to_json(&r);
	CHECK(o != NULL);
	CHECK(json_object_size(o) == 30);
	CHECK(json_is_null(json_object_get(o, "workdir")));
	json_decref(o);
	container_rec_free(&r);
}
