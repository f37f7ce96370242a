/* Site and user defaults: /etc/clan/clan.conf (an admin's), the user's
 * ${XDG_CONFIG_HOME:-~/.config}/clan/clan.conf over it, the environment
 * over both. INI, read with inih:
 *
 *   [storage]
 *   path = /scratch/$USER/clan        ; CLAN_STORAGE
 *   image_path = /shared/clan-images  ; CLAN_IMAGE_PATH (read-only stores)
 *   [registry]
 *   mirror = https://cache.site:5000  ; CLAN_REGISTRY_MIRROR
 *   [deb]
 *   mirror = http://debian.site/debian ; CLAN_DEB_MIRROR
 *   [run]
 *   userns = auto                     ; CLAN_USERNS: auto, single, subuid
 *   network = slirp4netns             ; CLAN_NETWORK: slirp4netns, none, host
 *   rm_layer = 25%                    ; CLAN_RM_LAYER: N[k|m|g], N% of RAM, disk
 *
 * Values may use $USER and $UID (the account's, from passwd) and $HOME. The
 * files are read on each lookup (two small reads), so nothing is cached
 * in a global. */
#ifndef CLAN_SETTINGS_H
#define CLAN_SETTINGS_H

#include "base/error.h"
#include "base/util.h"

enum clan_setting {
	SETTING_STORAGE,
	SETTING_IMAGE_PATH,
	SETTING_REGISTRY_MIRROR,
	SETTING_DEB_MIRROR,
	SETTING_USERNS,
	SETTING_NETWORK,
	SETTING_RM_LAYER,
	SETTING_COUNT,
};

/* How a setting is spelled in the files and the environment. */
struct setting_name {
	const char *section, *key, *env;
};
const struct setting_name *settings_name(enum clan_setting s);

/* The site file: CLAN_SITE_CONFIG when set (tests, sites that keep it
 * elsewhere), else /etc/clan/clan.conf. Caller frees. */
char *settings_site_file(void);
/* The user's file. Caller frees. */
char *settings_user_file(void);

/* The effective value of s, NULL when nothing sets it (the built-in
 * default applies). *origin (optional, caller frees) names where it came
 * from: the variable ("CLAN_STORAGE") or the file. A file that cannot be
 * read, does not parse or may be written by others counts as absent
 * here; settings_check says why. Caller frees the value. */
char *settings_get(enum clan_setting s, char **origin);

/* Checks both files: syntax, unknown sections and keys (with the nearest
 * valid name), values, and the CLAN_* variables' values. -1 with err
 * (exit 2, FILE:LINE) on the first problem. An unknown key or section in
 * the site's file (one a newer clan knows) is one line in *warnings. A
 * file that others than root and the user may write is ignored (a local
 * user could plant defaults): one line in *warnings says so. */
int settings_check(struct strv *warnings, struct clan_err *err);

/* The smallest in-memory layer: the generated /etc files and a few
 * writes must fit. */
#define RM_LAYER_MIN (1024 * 1024)

/* rm_layer's value: 0 for "disk"; 1 with tmpfs's size= in size (bytes,
 * or N% of RAM), from a docker-style size ("512m", "1.5g") of at least
 * RM_LAYER_MIN or "N%" (1 to 100); -1 for anything else. */
int settings_rm_layer(const char *v, char *size, size_t len);

#endif
