#include "base/debug.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool clan_debug_on(void)
{
	const char *v = getenv("CLAN_DEBUG");
	return v && *v && strcmp(v, "0") != 0;
}

void clan_debug_enable(void)
{
	/* only fails without memory; debugging is then simply off */
	(void)setenv("CLAN_DEBUG", "1", 1);
}

void clan_debug(const char *fmt, ...)
{
	if (!clan_debug_on())
		return;
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* one write per line, so lines of concurrent processes do not mix */
	fprintf(stderr, "clan: debug: %s\n", line);
}
