#define _GNU_SOURCE
#include "base/termsafe.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"

/* The length of the UTF-8 sequence at p (at most n bytes) and its code
 * point, or 0 when it is not one: overlong forms, surrogates and code
 * points past U+10FFFF are not UTF-8 either. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
	size_t len;
	uint32_t c, min;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	} else if ((p[0] & 0xe0) == 0xc0) {
		len = 2, c = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, c = p[0] & 0x0f, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* The bidi controls, and the line and paragraph separators that YAML
 * and some terminals take as line breaks. */
static bool is_bidi_control(uint32_t c)
{
	return (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *term_safe(const char *s, size_t len, bool keep_newline)
{
	const unsigned char *p = (const unsigned char *)s;
	/* at most 4 bytes out per byte in: \xNN for one, \uNNNN for two or three */
	char *out = xmalloc(len * 4 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		uint32_t c = 0;
		size_t n = utf8_decode(p + i, len - i, &c);
		if (n == 0) {
			o += (size_t)sprintf(out + o, "\\x%02x", p[i]);
			i++;
			continue;
		}
		bool keep = c == '\t' || (c == '\n' && keep_newline);
		if (!keep && (c < 0x20 || c == 0x7f))
			o += (size_t)sprintf(out + o, "\\x%02x", (unsigned)c);
		else if ((c >= 0x80 && c <= 0x9f) || is_bidi_control(c))
			o += (size_t)sprintf(out + o, "\\u%04x", (unsigned)c);
		else {
			memcpy(out + o, p + i, n);
			o += n;
		}
		i += n;
	}
	out[o] = '\0';
	return out;
}
