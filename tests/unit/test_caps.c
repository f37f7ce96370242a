/* Unit tests for rootless/ns/caps: --cap-add/--cap-drop names and the set
 * they make from Docker's default, in Docker's order (moby
 * oci/caps/utils.go TweakCapabilities: add ALL first, then drop ALL, then
 * default - drop + add). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/capability.h>

#include "ns/caps.h"
#include "tap.h"

static int name_to_cap(const char *name, struct clan_err *err)
{
	int cap = -2;
	err->code = 0;
	err->msg[0] = '\0';
	return caps_from_name(name, &cap, err) < 0 ? -2 : cap;
}

TEST(names_with_or_without_cap_in_any_case)
{
	struct clan_err err;
	CHECK(name_to_cap("NET_BIND_SERVICE", &err) == CAP_NET_BIND_SERVICE);
	CHECK(name_to_cap("CAP_NET_BIND_SERVICE", &err) == CAP_NET_BIND_SERVICE);
	CHECK(name_to_cap("cap_net_bind_service", &err) == CAP_NET_BIND_SERVICE);
	CHECK(name_to_cap("net_admin", &err) == CAP_NET_ADMIN);
	CHECK(name_to_cap("Sys_Ptrace", &err) == CAP_SYS_PTRACE);
	CHECK(name_to_cap("CHOWN", &err) == CAP_CHOWN);
	CHECK(name_to_cap("checkpoint_restore", &err) == CAP_CHECKPOINT_RESTORE);
	CHECK(name_to_cap("ALL", &err) == CAPS_ALL);
	CHECK(name_to_cap("all", &err) == CAPS_ALL);
}

TEST(unknown_names_exit_2_with_did_you_mean)
{
	struct clan_err err;
	CHECK(name_to_cap("CAP_NOPE", &err) == -2);
	CHECK(err.code == CLAN_EXIT_USAGE);
	CHECK(strstr(err.msg, "unknown capability 'CAP_NOPE'") != NULL);
	CHECK(name_to_cap("NET_BIND_SERVIC", &err) == -2);
	CHECK(err.code == CLAN_EXIT_USAGE);
	CHECK(strstr(err.msg, "did you mean CAP_NET_BIND_SERVICE?") != NULL);
	CHECK(name_to_cap("cap_sys_admn", &err) == -2);
	CHECK(strstr(err.msg, "did you mean CAP_SYS_ADMIN?") != NULL);
	/* no number, no empty name, no CAP_ALL, no prefix alone */
	CHECK(name_to_cap("21", &err) == -2);
	CHECK(name_to_cap("", &err) == -2);
	CHECK(name_to_cap("CAP_", &err) == -2);
	CHECK(name_to_cap("CAP_ALL", &err) == -2);
	CHECK(name_to_cap("NET_ADMIN ", &err) == -2);
}

static uint64_t bit(int c)
{
	return 1ULL << c;
}

/* add and drop: NULL-terminated lists of names */
static bool mask_is(const char *const *add, const char *const *drop, uint64_t want)
{
	struct strv a = {0}, d = {0};
	for (; add && *add; add++)
		strv_push(&a, *add);
	for (; drop && *drop; drop++)
		strv_push(&d, *drop);
	uint64_t m = 0;
	struct clan_err err;
	bool ok = caps_mask_for(&a, &d, &m, &err) == 0 && m == want;
	strv_free(&a);
	strv_free(&d);
	return ok;
}

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

TEST(docker_order)
{
	uint64_t def = caps_default_mask();
	CHECK(def == 0xa80425fbULL);
	CHECK(mask_is(NULL, NULL, def));
	CHECK(mask_is(L("NET_ADMIN"), NULL, def | bit(CAP_NET_ADMIN)));
	CHECK(mask_is(NULL, L("chown"), def & ~bit(CAP_CHOWN)));
	/* a default capability dropped and added again stays */
	CHECK(mask_is(L("CHOWN"), L("CHOWN"), def));
	/* drop ALL, then only the added ones */
	CHECK(mask_is(L("NET_BIND_SERVICE"), L("ALL"), bit(CAP_NET_BIND_SERVICE)));
	CHECK(mask_is(NULL, L("ALL"), 0));
	CHECK(mask_is(NULL, L("ALL", "CHOWN"), 0));
	/* add ALL: everything but the dropped ones, even with drop ALL */
	CHECK(mask_is(L("ALL"), NULL, ~0ULL));
	CHECK(mask_is(L("ALL"), L("SYS_ADMIN"), ~bit(CAP_SYS_ADMIN)));
	CHECK(mask_is(L("ALL"), L("ALL"), ~0ULL));
	/* the names' spelling does not matter */
	CHECK(mask_is(L("cap_net_raw"), L("CAP_NET_RAW"), def));
}

TEST(a_bad_name_in_either_list_is_refused)
{
	struct strv a = {0}, d = {0};
	uint64_t m = 7;
	struct clan_err err;
	strv_push(&d, "CAP_NOPE");
	CHECK(caps_mask_for(&a, &d, &m, &err) < 0 && err.code == CLAN_EXIT_USAGE && m == 7);
	strv_free(&d);
	strv_push(&a, "NET_ADMINN");
	CHECK(caps_mask_for(&a, &d, &m, &err) < 0 && err.code == CLAN_EXIT_USAGE);
	CHECK(strstr(err.msg, "did you mean CAP_NET_ADMIN?") != NULL);
	strv_free(&a);
}
