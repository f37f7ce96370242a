/* libFuzzer target: term_safe. Whatever the input, the output holds no
 * byte a terminal acts on (C0 but \t and the kept \n, DEL), is valid
 * UTF-8 without C1 controls or bidi overrides, and leaves printable
 * ASCII as it is. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/termsafe.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Returns the code point at *p and advances it; aborts on bad UTF-8. */
static uint32_t next_cp(const unsigned char **p)
{
	const unsigned char *s = *p;
	int n = s[0] < 0x80		? 1
		: (s[0] & 0xe0) == 0xc0 ? 2
		: (s[0] & 0xf0) == 0xe0 ? 3
		: (s[0] & 0xf8) == 0xf0 ? 4
					: 0;
	if (n == 0)
		abort();
	uint32_t c = n == 1 ? s[0] : s[0] & (0x7f >> n);
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			abort();
		c = (c << 6) | (s[i] & 0x3f);
	}
	*p += n;
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool keep_newline = size > 0 && (data[0] & 1);
	_cleanup_free_ char *out = term_safe((const char *)data, size, keep_newline);
	for (const unsigned char *p = (const unsigned char *)out; *p;) {
		uint32_t c = next_cp(&p);
		if ((c < 0x20 && c != '\t' && !(c == '\n' && keep_newline)) || c == 0x7f)
			abort();
		if ((c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069) || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
			abort();
	}
	bool printable = true;
	for (size_t i = 0; i < size; i++)
		printable = printable && data[i] >= 0x20 && data[i] < 0x7f;
	if (printable && (strlen(out) != size || memcmp(out, data, size) != 0))
		abort();
	return 0;
}
