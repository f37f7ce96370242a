#include "base/debug.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/progress.h"

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
	va_list ap;
	va_start(ap, fmt);
	progress_vline("clan: debug: ", fmt, ap);
	va_end(ap);
}
