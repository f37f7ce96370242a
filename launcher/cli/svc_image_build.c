#define _GNU_SOURCE
#include "cli/svc_image_build.h"

#include <stdio.h>
#include <string.h>

#include "base/paths.h"
#include "image/image_ref.h"
#include "image/imgstore.h"

/* The id ref is tagged with in the store; false when it is not. */
static bool have_image(const char *ref, char id[72])
{
	struct image_ref r;
	struct clan_err ignored;
	if (image_ref_parse(ref, &r, &ignored) < 0)
		return false;
	_cleanup_free_ char *canon = image_ref_format(&r);
	image_ref_free(&r);
	struct imgstore st = {0};
	_cleanup_free_ char *storage = paths_storage_dir();
	if (imgstore_open(&st, storage, &ignored) < 0)
		return false;
	bool have = imgstore_lookup_tag(&st, canon, id);
	imgstore_close(&st);
	return have;
}

int svc_image_build(struct service *s, bool always, const struct build_opts *base,
		    struct clan_err *err)
{
	const struct svc_image_build *b = s->build;
	always = always || (b && b->always);
	char id[72];
	if (b && !always && have_image(s->image, id)) {
		free(s->image_id);
		s->image_id = xstrdup(id);
	}
	if (!b || s->image_id)
		return 0;
	struct build_opts o = *base;
	o.context = b->context;
	o.dockerfile = b->dockerfile;
	o.inline_text = b->inline_text;
	o.target = b->target;
	o.tags = (struct strv){0};
	o.build_args = (struct strv){0};
	strv_push(&o.tags, s->image);
	for (size_t i = 0; i < b->args.n; i++)
		strv_push(&o.build_args, b->args.v[i]);
	for (size_t i = 0; i < base->build_args.n; i++)
		strv_push(&o.build_args, base->build_args.v[i]);
	if (o.progress != BUILD_PROGRESS_QUIET)
		fprintf(stderr, "clan: building %s (%s)\n", s->name, s->image);
	int rc = build_image(&o, id, err);
	strv_free(&o.tags);
	strv_free(&o.build_args);
	if (rc < 0)
		return clan_error_wrap(err, "service %s", s->name);
	s->image_id = xstrdup(id);
	return 0;
}
