/* libFuzzer target: the supervisor's control requests (launcher/
 * sup_request.c), as any process of the user may send them to the
 * socket. A parsed request has a known op and, for stop/start/restart/
 * up, targets; up also its new configs, each with a known name and only
 * known dependencies; a refused one has a reason and nothing to free. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/sup_request.h"

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
		bool up = strcmp(r.op, "up") == 0;
		bool wants = up || strcmp(r.op, "stop") == 0 || strcmp(r.op, "start") == 0 ||
			     strcmp(r.op, "restart") == 0;
		if (wants != (r.targets != NULL) || up != (r.recreate != NULL))
			abort();
		for (size_t i = 0; up && i < 3; i++) {
			const struct service *s = &r.recreate[i];
			if (s->name && (strcmp(s->name, names[i]) != 0 || !s->image))
				abort();
			for (size_t k = 0; s->name && k < s->depends_on.n; k++)
				if (strcmp(s->depends_on.v[k], s->name) == 0)
					abort();
		}
	} else if (!r.error[0] || r.targets || r.recreate || r.op) {
		abort();
	}
	ctl_request_free(&r);
	free(text);
	return 0;
}
