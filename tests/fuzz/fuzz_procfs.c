/* libFuzzer target: rootless/procfs's parsers of /proc/PID/stat and
 * /proc/PID/status text. The input is the text; its first byte also picks
 * the status field looked up. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/procfs.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fields[] = {"SigCgt", "SigIgn", "SigBlk", "CapBnd"};
	char *text = xstrndup((const char *)data, size);
	uint64_t v;

	parse_stat_start_time(text);
	parse_status_mask(text, fields[size ? data[0] % 4 : 0], &v);
	free(text);
	return 0;
}
