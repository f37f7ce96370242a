/* Libraries loaded on first use (rootless/base/dl.c): a missing library or
 * function is an error value naming the package, and the process goes on
 * (the loader used to exit(125), which would end a supervisor). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/dl.h"
#include "base/util.h"
#include "tap.h"

static const char *const names[] = {"EVP_sha256", "EVP_Digest"};

TEST(a_missing_library_is_an_error_naming_the_package)
{
	struct dl_lib lib = {"libclan-missing.so.7", "libclan-missing7 (apt-get install x)", names,
			     ARRAY_SIZE(names)};
	void *slots[2] = {&lib, &lib};
	struct clan_err err = {0};
	CHECK(dl_load(&lib, slots, &err) == -1);
	CHECK(strstr(err.msg, "libclan-missing.so.7") != NULL);
	CHECK(strstr(err.msg, "install libclan-missing7 (apt-get install x)") != NULL);
	CHECK(err.code == CLAN_EXIT_SETUP);
}

TEST(a_missing_function_is_an_error_and_leaves_no_half_table)
{
	static const char *const some[] = {"EVP_sha256", "clan_no_such_function"};
	struct dl_lib lib = {"libcrypto.so.3", "libssl3 (apt-get install libssl3)", some,
			     ARRAY_SIZE(some)};
	void *slots[2] = {NULL, NULL};
	struct clan_err err = {0};
	CHECK(dl_load(&lib, slots, &err) == -1);
	CHECK(strstr(err.msg, "lacks clan_no_such_function") != NULL);
	CHECK(strstr(err.msg, "reinstall libssl3") != NULL);
	CHECK(slots[0] == NULL && slots[1] == NULL);
}

TEST(a_present_library_fills_the_table)
{
	struct dl_lib lib = {"libcrypto.so.3", "libssl3 (apt-get install libssl3)", names,
			     ARRAY_SIZE(names)};
	void *slots[2] = {NULL, NULL};
	struct clan_err err = {0};
	CHECK(dl_load(&lib, slots, &err) == 0);
	CHECK(slots[0] != NULL && slots[1] != NULL);
	CHECK(dl_need(DL_CRYPTO, &err) == 0);
	CHECK(dl_need(DL_CRYPTO, &err) == 0); /* once loaded, loaded */
	CHECK(dl_table(DL_CRYPTO) != NULL);
}

/* In a child, so that an exit (the old loader's exit(125)) is seen as one
 * rather than ending the test run. */
TEST(a_failed_load_does_not_end_the_process)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct dl_lib lib = {"libclan-missing.so.7", "x", names, ARRAY_SIZE(names)};
		void *slots[2];
		struct clan_err err;
		int rc = dl_load(&lib, slots, &err);
		_exit(rc == -1 ? 42 : 1);
	}
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 42);
}
