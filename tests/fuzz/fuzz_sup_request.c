/* libFuzzer target: the supervisor's control requests (launcher/
 * sup_request.c), as any process of the user may send them to the
 * socket. A parsed request has a known op and, for stop/start/restart,
 * targets; a refused one has a reason. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sup_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"db", "web", "worker"};
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct ctl_request r;
	if (ctl_request_parse(text, names, 3, &r) == 0) {
		if (!r.op)
			abort();
		bool wants = strcmp(r.op, "ps") != 0 && strcmp(r.op, "down") != 0;
		if (wants != (r.targets != NULL))
			abort();
	} else if (!r.error[0] || r.targets || r.op) {
		abort();
	}
	free(r.targets);
	free(text);
	return 0;
}
