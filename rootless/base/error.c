#include "base/error.h"

#include <stdio.h>
#include <string.h>

static void set_msg(struct clan_err *err, int errno_val, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	if (errno_val != 0 && n >= 0 && (size_t)n < sizeof err->msg)
		snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s", strerror(errno_val));
}

int clan_error(struct clan_err *err, int errno_val, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_msg(err, errno_val, fmt, ap);
	va_end(ap);
	err->code = CLAN_EXIT_FAIL;
	err->sys_errno = errno_val;
	return -1;
}

int clan_error_code(struct clan_err *err, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_msg(err, 0, fmt, ap);
	va_end(ap);
	err->code = code;
	err->sys_errno = 0;
	return -1;
}

int clan_error_wrap(struct clan_err *err, const char *fmt, ...)
{
	char prefix[512], old[sizeof err->msg];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	size_t n = strnlen(prefix, sizeof prefix);
	memcpy(err->msg, prefix, n);
	size_t room = sizeof err->msg - n;
	if (room > 2) {
		err->msg[n] = ':';
		err->msg[n + 1] = ' ';
		size_t m = strnlen(old, room - 3);
		memcpy(err->msg + n + 2, old, m);
		err->msg[n + 2 + m] = '\0';
	} else {
		err->msg[sizeof err->msg - 1] = '\0';
	}
	return -1;
}
