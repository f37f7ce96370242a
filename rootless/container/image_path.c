#define _GNU_SOURCE
#include "container/image_path.h"
#include "base/settings.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "container/image_use.h"
#include "image/imgstore_ro.h"

int image_path_open(struct image_path *p, const char *env, struct clan_err *err)
{
	*p = (struct image_path){0};
	_cleanup_free_ char *copy = xstrdup(env ? env : "");
	for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		p->v = xrealloc(p->v, (p->n + 1) * sizeof *p->v);
		if (imgstore_open_ro(&p->v[p->n], dir, err) < 0) {
			image_path_close(p);
			return -1;
		}
		p->n++;
	}
	return 0;
}

void image_path_close(struct image_path *p)
{
	for (size_t i = 0; i < p->n; i++)
		imgstore_close(&p->v[i]);
	free(p->v);
	*p = (struct image_path){0};
}

bool image_path_has(const struct imgstore *st, const char *ref, struct image_record *rec)
{
	char id[72];
	struct clan_err ignored;
	*rec = (struct image_record){0};
	return image_use_lookup(st, ref, id) && imgstore_load_image(st, id, rec, &ignored) == 0;
}

const struct imgstore *image_path_find(const struct image_path *p, const char *ref,
				       struct image_record *rec)
{
	for (size_t i = 0; i < p->n; i++)
		if (image_path_has(&p->v[i], ref, rec))
			return &p->v[i];
	return NULL;
}

int image_path_open_configured(struct image_path *p, struct clan_err *err)
{
	_cleanup_free_ char *list = settings_get(SETTING_IMAGE_PATH, NULL);
	return image_path_open(p, list, err);
}
