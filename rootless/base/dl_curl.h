/* libcurl.so.4, loaded on first use: linking it would cost every clan
 * command its start-up (dozens of libraries mapped and relocated), and only
 * image pulls and extraction need it. Include this instead of the
 * library's own header; the names below then call through the table. */
#ifndef CLAN_DL_CURL_H
#define CLAN_DL_CURL_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

#define DL_CURL_FUNCS(X)            \
	X(curl_easy_cleanup)        \
	X(curl_easy_escape)         \
	X(curl_easy_getinfo)        \
	X(curl_easy_init)           \
	X(curl_easy_perform)        \
	X(curl_easy_reset)          \
	X(curl_easy_setopt)         \
	X(curl_easy_strerror)       \
	X(curl_free)                \
	X(curl_global_init)         \
	X(curl_multi_add_handle)    \
	X(curl_multi_cleanup)       \
	X(curl_multi_info_read)     \
	X(curl_multi_init)          \
	X(curl_multi_perform)       \
	X(curl_multi_poll)          \
	X(curl_multi_remove_handle) \
	X(curl_share_cleanup)       \
	X(curl_share_init)          \
	X(curl_share_setopt)        \
	X(curl_slist_append)        \
	X(curl_slist_free_all)      \
	X(curl_url)                 \
	X(curl_url_cleanup)         \
	X(curl_url_get)             \
	X(curl_url_set)

#include "base/dl.h"

#define DL_MEMBER(f) __typeof__(&f) f;
struct dl_curl {
	DL_CURL_FUNCS(DL_MEMBER)
};
#undef DL_MEMBER

/* The table, loaded: an entry point asks dl_need(DL_CURL, err) first and
 * returns the error (the package to install) up; see base/dl.h. */
const struct dl_curl *dl_curl(void);

#ifndef DL_NO_MACROS
#undef curl_easy_cleanup
#define curl_easy_cleanup (dl_curl()->curl_easy_cleanup)
#undef curl_easy_escape
#define curl_easy_escape (dl_curl()->curl_easy_escape)
#undef curl_easy_getinfo
#define curl_easy_getinfo (dl_curl()->curl_easy_getinfo)
#undef curl_easy_init
#define curl_easy_init (dl_curl()->curl_easy_init)
#undef curl_easy_perform
#define curl_easy_perform (dl_curl()->curl_easy_perform)
#undef curl_easy_reset
#define curl_easy_reset (dl_curl()->curl_easy_reset)
#undef curl_easy_setopt
#define curl_easy_setopt (dl_curl()->curl_easy_setopt)
#undef curl_easy_strerror
#define curl_easy_strerror (dl_curl()->curl_easy_strerror)
#undef curl_free
#define curl_free (dl_curl()->curl_free)
#undef curl_global_init
#define curl_global_init (dl_curl()->curl_global_init)
#undef curl_multi_add_handle
#define curl_multi_add_handle (dl_curl()->curl_multi_add_handle)
#undef curl_multi_cleanup
#define curl_multi_cleanup (dl_curl()->curl_multi_cleanup)
#undef curl_multi_info_read
#define curl_multi_info_read (dl_curl()->curl_multi_info_read)
#undef curl_multi_init
#define curl_multi_init (dl_curl()->curl_multi_init)
#undef curl_multi_perform
#define curl_multi_perform (dl_curl()->curl_multi_perform)
#undef curl_multi_poll
#define curl_multi_poll (dl_curl()->curl_multi_poll)
#undef curl_multi_remove_handle
#define curl_multi_remove_handle (dl_curl()->curl_multi_remove_handle)
#undef curl_share_cleanup
#define curl_share_cleanup (dl_curl()->curl_share_cleanup)
#undef curl_share_init
#define curl_share_init (dl_curl()->curl_share_init)
#undef curl_share_setopt
#define curl_share_setopt (dl_curl()->curl_share_setopt)
#undef curl_slist_append
#define curl_slist_append (dl_curl()->curl_slist_append)
#undef curl_slist_free_all
#define curl_slist_free_all (dl_curl()->curl_slist_free_all)
#undef curl_url
#define curl_url (dl_curl()->curl_url)
#undef curl_url_cleanup
#define curl_url_cleanup (dl_curl()->curl_url_cleanup)
#undef curl_url_get
#define curl_url_get (dl_curl()->curl_url_get)
#undef curl_url_set
#define curl_url_set (dl_curl()->curl_url_set)
#endif

#endif
