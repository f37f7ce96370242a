/* libFuzzer target: launcher/init_detect's init_detect, init_render and
 * init_describe over hostile project files. The input is NUL-separated:
 * requirements.txt, package.json, settings.py, app.py, .env; the first
 * byte's bits say which names are present. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/init_detect.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t flags = data[0];
	char *texts[5] = {NULL};
	size_t off = 1;
	for (int i = 0; i < 5 && off <= size; i++) {
		const uint8_t *nul = off < size ? memchr(data + off, '\0', size - off) : NULL;
		size_t len = nul ? (size_t)(nul - (data + off)) : size - off;
		texts[i] = xstrndup((const char *)data + off, len);
		off += len + 1;
	}
	struct init_seen s = {.has_manage_py = flags & 1,
			      .has_package_json = flags & 2,
			      .has_requirements = flags & 4,
			      .has_app_py = flags & 8,
			      .has_index_html = flags & 16,
			      .requirements = texts[0],
			      .package_json = texts[1],
			      .settings = texts[2],
			      .app_py = texts[3],
			      .dotenv = texts[4]};
	struct init_plan p;
	init_detect(&s, &p);
	char *text = init_render(&p, texts[0]);
	char *what = init_describe(&p);
	/* the project name is reduced to a-z 0-9 _ -: its comment stays on
	 * its line, nothing of the name starts a line of its own */
	const char *name = strstr(text, "[project]\nname = ");
	if (name) {
		const char *nl = strchr(name + 17, '\n'), *note = strstr(name + 17, "; default");
		if (!nl || !note || nl < note)
			abort();
	}
	free(text);
	free(what);
	for (int i = 0; i < 5; i++)
		free(texts[i]);
	return 0;
}
