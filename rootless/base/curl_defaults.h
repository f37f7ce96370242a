/* The options every transfer of clan's sets (registry pulls, ADD's URLs). */
#ifndef CLAN_CURL_DEFAULTS_H
#define CLAN_CURL_DEFAULTS_H

#include "base/dl_curl.h"

/* url, clan's user agent, no signals, http and https only (redirects
 * too, at most 10), 20 s to connect, and a stalled transfer (under 1 KiB/s
 * for 30 s) counted as dropped. The caller has dl_need(DL_CURL). */
void curl_easy_defaults(CURL *easy, const char *url);

#endif
