/* libFuzzer target: a service's stored log line (log_parse_line, given the
 * line without a NUL, as read_file_lines does) and `clan logs --since`
 * (logview_parse_since). A parsed line has stream o or e, nanoseconds in
 * range and a text that is the rest of the line. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/logfile.h"
#include "cli/logview.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes, not NUL-terminated: a read past the line is a
	 * heap overflow ASan reports */
	char *line = malloc(size ? size : 1);
	if (!line)
		abort();
	memcpy(line, data, size);
	struct log_entry e;
	if (log_parse_line(line, size, &e)) {
		if (e.stream != 'o' && e.stream != 'e')
			abort();
		if (e.nsec < 0 || e.nsec > 999999999)
			abort();
		size_t tl = strlen(e.text);
		if (tl > size || (tl && memcmp(e.text, line + size - tl, tl) != 0 &&
				  memchr(line, '\0', size) == NULL))
			abort();
		free(e.text);
	}
	free(line);

	_cleanup_free_ char *text = xstrndup((const char *)data, size);
	int64_t since;
	if (logview_parse_since(text, 1700000000, &since) && since > 1700000000 && text[0] &&
	    text[strlen(text) - 1] >= 'a')
		abort(); /* "N<unit>" is before now */
	return 0;
}
