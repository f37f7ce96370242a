/* Loading the heavy libraries on first use (see dl_curl.h). */
#define _GNU_SOURCE
#define DL_NO_MACROS 1
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/dl_archive.h"
#include "base/dl_crypto.h"
#include "base/dl_curl.h"
#include "base/error.h"

/* Resolves every name of a table; a missing library or symbol is a broken
 * install, and there is no way on from it: say which package to install. */
static void load_or_die(const char *soname, const char *package, const char *const *names,
			void **slots, size_t n)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	for (size_t i = 0; h && i < n; i++)
		if (!(slots[i] = dlsym(h, names[i]))) {
			fprintf(stderr, "clan: %s lacks %s; reinstall %s\n", soname, names[i],
				package);
			exit(CLAN_EXIT_SETUP);
		}
	if (!h) {
		fprintf(stderr, "clan: cannot load %s (%s); install %s\n", soname, dlerror(),
			package);
		exit(CLAN_EXIT_SETUP);
	}
}

#define DL_NAME(f) #f,

/* Filled once, then only read: the one piece of process-wide state here,
 * a cache of what the dynamic loader would otherwise have resolved. */
static struct dl_curl curl_table;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void load_curl(void)
{
	static const char *const names[] = {DL_CURL_FUNCS(DL_NAME)};
	load_or_die("libcurl.so.4", "libcurl4 (apt-get install libcurl4)", names,
		    (void **)&curl_table, sizeof names / sizeof names[0]);
}

const struct dl_curl *dl_curl(void)
{
	pthread_once(&curl_once, load_curl);
	return &curl_table;
}

/* Filled once, then only read: the one piece of process-wide state here,
 * a cache of what the dynamic loader would otherwise have resolved. */
static struct dl_archive archive_table;
static pthread_once_t archive_once = PTHREAD_ONCE_INIT;

static void load_archive(void)
{
	static const char *const names[] = {DL_ARCHIVE_FUNCS(DL_NAME)};
	load_or_die("libarchive.so.13", "libarchive13 (apt-get install libarchive13)", names,
		    (void **)&archive_table, sizeof names / sizeof names[0]);
}

const struct dl_archive *dl_archive(void)
{
	pthread_once(&archive_once, load_archive);
	return &archive_table;
}

/* Filled once, then only read: the one piece of process-wide state here,
 * a cache of what the dynamic loader would otherwise have resolved. */
static struct dl_crypto crypto_table;
static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void load_crypto(void)
{
	static const char *const names[] = {DL_CRYPTO_FUNCS(DL_NAME)};
	load_or_die("libcrypto.so.3", "libssl3 (apt-get install libssl3)", names,
		    (void **)&crypto_table, sizeof names / sizeof names[0]);
}

const struct dl_crypto *dl_crypto(void)
{
	pthread_once(&crypto_once, load_crypto);
	return &crypto_table;
}
