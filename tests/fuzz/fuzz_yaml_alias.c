/* libFuzzer target: yaml_alias_check, the alias-expansion bound the
 * profile loader applies before walking a document. It never hangs or
 * grows with what the aliases expand to; without a bound only an alias
 * inside its own anchor stops it; a bound it passes, a larger one passes. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>

#include "config/yaml_alias.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yaml_alias_report a, b;
	int small = yaml_alias_check((const char *)data, size, 64, &a);
	int none = yaml_alias_check((const char *)data, size, UINT64_MAX, &b);
	if (none && !b.self)
		abort();
	if (!small && none)
		abort();
	if (small && !a.self && (a.added <= 64 || a.line == 0 || a.column == 0))
		abort();
	return 0;
}
