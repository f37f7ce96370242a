#define _GNU_SOURCE
#include "image/layer_bounds.h"

#include <string.h>

#include "base/util.h"

#define MIB (UINT64_C(1) << 20)
/* the floor's largest value: 2^40 MiB is an exabyte, and it keeps the
 * products below from overflowing */
#define FLOOR_MAX_MIB (UINT64_C(1) << 40)
#define BOMB "(a decompression bomb?)"

int layer_bounds_floor(const char *env, uint64_t *mib, struct clan_err *err)
{
	*mib = LAYER_EXPAND_FLOOR_MIB;
	if (!env || !*env)
		return 0;
	uint32_t v;
	if (!parse_u32(env, &v) || v == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "CLAN_PULL_EXPAND_MIB='%s' is not a number of MiB >= 1 "
				       "(the default is %d)",
				       env, LAYER_EXPAND_FLOOR_MIB);
	*mib = v;
	return 0;
}

/* Declared sizes are a registry's word: past a pebibyte they are capped,
 * which keeps ratio x size from overflowing (and bounds nothing real). */
#define SIZE_MAX_BYTES (UINT64_C(1) << 50)

static uint64_t clamp_size(uint64_t v)
{
	return v < SIZE_MAX_BYTES ? v : SIZE_MAX_BYTES;
}

static uint64_t u64_size(int64_t v)
{
	return v > 0 ? clamp_size((uint64_t)v) : 0;
}

void layer_bounds_for(int64_t compressed, uint64_t floor_mib, struct layer_bounds *b)
{
	uint64_t c = u64_size(compressed),
		 floor = floor_mib < FLOOR_MAX_MIB ? floor_mib : FLOOR_MAX_MIB;
	uint64_t by_ratio = c * LAYER_EXPAND_RATIO, entries = c / LAYER_BLOB_BYTES_PER_ENTRY;
	b->max_bytes = by_ratio > floor * MIB ? by_ratio : floor * MIB;
	b->max_entries = entries > floor * LAYER_ENTRIES_PER_FLOOR_MIB
			     ? entries
			     : floor * LAYER_ENTRIES_PER_FLOOR_MIB;
	b->floor_mib = floor;
}

void layer_bounds_pull(uint64_t compressed, uint64_t floor_mib, uint64_t *max_bytes,
		       uint64_t *max_entries)
{
	uint64_t c = clamp_size(compressed),
		 floor = floor_mib < FLOOR_MAX_MIB ? floor_mib : FLOOR_MAX_MIB;
	*max_bytes = c * LAYER_EXPAND_RATIO + floor * MIB;
	*max_entries = c / LAYER_BLOB_BYTES_PER_ENTRY + floor * LAYER_ENTRIES_PER_FLOOR_MIB;
}

/* What to set for more room: four times the floor, and past what the
 * bound allowed. */
static uint64_t hint_mib(uint64_t max, bool entries, uint64_t floor_mib)
{
	uint64_t need = entries ? max / LAYER_ENTRIES_PER_FLOOR_MIB : max / MIB;
	uint64_t m = 4 * floor_mib;
	return m > 2 * need ? m : 2 * need;
}

/* "SUBJECT expands past N MiB (a decompression bomb?); ..." */
static int bound_error(const char *subject, bool plural, const char *image, uint64_t max,
		       bool entries, uint64_t floor_mib, struct clan_err *err)
{
	char past[96];
	if (entries)
		snprintf(past, sizeof past, "%s more than %llu entries",
			 plural ? "hold together" : "holds", (unsigned long long)max);
	else
		snprintf(past, sizeof past, "%s past %llu MiB",
			 plural ? "expand together" : "expands", (unsigned long long)(max / MIB));
	return clan_error(err, 0,
			  "%s %s " BOMB "; if you trust the image, allow more: "
			  "CLAN_PULL_EXPAND_MIB=%llu clan pull %s",
			  subject, past, (unsigned long long)hint_mib(max, entries, floor_mib),
			  image);
}

int layer_bounds_error(const struct layer_bounds *b, bool entries, struct clan_err *err)
{
	const char *image = b->image ? b->image : "IMAGE";
	_cleanup_free_ char *subject =
	    xasprintf("layer %s of %s", b->blob ? b->blob : "(unknown)", image);
	return bound_error(subject, false, image, entries ? b->max_entries : b->max_bytes, entries,
			   b->floor_mib, err);
}

int layer_bounds_pull_error(const char *image, uint64_t max, bool entries, uint64_t floor_mib,
			    struct clan_err *err)
{
	_cleanup_free_ char *subject = xasprintf("the layers of %s", image);
	return bound_error(subject, true, image, max, entries, floor_mib, err);
}

bool layer_bounds_is_error(const struct clan_err *err)
{
	return strstr(err->msg, " " BOMB "; ") != NULL;
}
