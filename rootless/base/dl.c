/* Loading the heavy libraries on first use (see dl_curl.h). */
#define _GNU_SOURCE
#define DL_NO_MACROS 1
#include "base/dl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/dl_archive.h"
#include "base/dl_crypto.h"
#include "base/dl_curl.h"
#include "base/util.h"

int dl_load(const struct dl_lib *lib, void **slots, struct clan_err *err)
{
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return clan_error_code(err, CLAN_EXIT_SETUP, "cannot load %s (%s); install %s",
				       lib->soname, dlerror(), lib->package);
	for (size_t i = 0; i < lib->n; i++) {
		if (!(slots[i] = dlsym(h, lib->names[i]))) {
			memset(slots, 0, lib->n * sizeof *slots);
			dlclose(h);
			return clan_error_code(err, CLAN_EXIT_SETUP, "%s lacks %s; reinstall %s",
					       lib->soname, lib->names[i], lib->package);
		}
	}
	return 0; /* the handle stays open: the table points into it */
}

#define DL_NAME(f) #f,
static const char *const curl_names[] = {DL_CURL_FUNCS(DL_NAME)};
static const char *const archive_names[] = {DL_ARCHIVE_FUNCS(DL_NAME)};
static const char *const crypto_names[] = {DL_CRYPTO_FUNCS(DL_NAME)};

/* Filled once, then only read: the one piece of process-wide state here,
 * a cache of what the dynamic loader would otherwise have resolved. */
static struct dl_curl curl_table;
static struct dl_archive archive_table;
static struct dl_crypto crypto_table;

static struct {
	struct dl_lib lib;
	void *table;
	bool loaded;
} libs[] = {
    [DL_CURL] = {.lib = {"libcurl.so.4", "libcurl4 (apt-get install libcurl4)", curl_names,
			 ARRAY_SIZE(curl_names)},
		 .table = &curl_table},
    [DL_ARCHIVE] = {.lib = {"libarchive.so.13", "libarchive13 (apt-get install libarchive13)",
			    archive_names, ARRAY_SIZE(archive_names)},
		    .table = &archive_table},
    [DL_CRYPTO] = {.lib = {"libcrypto.so.3", "libssl3 (apt-get install libssl3)", crypto_names,
			   ARRAY_SIZE(crypto_names)},
		   .table = &crypto_table},
};
static pthread_mutex_t libs_lock = PTHREAD_MUTEX_INITIALIZER;

int dl_need(enum dl_which which, struct clan_err *err)
{
	/* the tables are function pointers, one per name: nothing else */
	_Static_assert(sizeof curl_table == ARRAY_SIZE(curl_names) * sizeof(void *), "curl");
	_Static_assert(sizeof archive_table == ARRAY_SIZE(archive_names) * sizeof(void *), "ar");
	_Static_assert(sizeof crypto_table == ARRAY_SIZE(crypto_names) * sizeof(void *), "ssl");
	pthread_mutex_lock(&libs_lock);
	int rc = 0;
	if (!libs[which].loaded) {
		rc = dl_load(&libs[which].lib, libs[which].table, err);
		__atomic_store_n(&libs[which].loaded, rc == 0, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&libs_lock);
	return rc;
}

bool dl_loaded(enum dl_which which)
{
	return __atomic_load_n(&libs[which].loaded, __ATOMIC_ACQUIRE);
}

void *dl_table(enum dl_which which)
{
	struct clan_err err;
	/* loaded: read without the lock, as the table no longer changes */
	if (__atomic_load_n(&libs[which].loaded, __ATOMIC_ACQUIRE) || dl_need(which, &err) == 0)
		return libs[which].table;
	fprintf(stderr, "clan: internal error: %s used without dl_need: %s\n",
		libs[which].lib.soname, err.msg);
	abort();
}

const struct dl_curl *dl_curl(void)
{
	return dl_table(DL_CURL);
}

const struct dl_archive *dl_archive(void)
{
	return dl_table(DL_ARCHIVE);
}

const struct dl_crypto *dl_crypto(void)
{
	return dl_table(DL_CRYPTO);
}
