/* What both exports share: the check of an image another runtime can
 * pull, and the writing of the documents as one YAML stream. */
#define _GNU_SOURCE
#include <string.h>

#include "base/termsafe.h"
#include "config/export.h"
#include "config/yaml_out.h"
#include "image/image_ref.h"

int export_check_image(const struct service *s, const char *what, struct clan_err *err)
{
	if (image_ref_is_registry(s->image))
		return 0;
	const char *fix = strncmp(s->image, "deb:", 4) == 0
			      ? "give it an image from a registry (image = debian:bookworm, or the "
				"official image its profile names) or build = a Dockerfile"
			      : "give it an image from a registry or build = a Dockerfile";
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "export %s: service %s: image %s exists only on this machine and "
			       "has no %s form: %s",
			       what, s->name, s->image, what, fix);
}

/* Each comment line as "# LINE": a value that holds a line break (\n,
 * or \r, U+0085, U+2028, U+2029, which YAML also breaks lines at: a
 * file name can hold them) cannot end the comment and start YAML; those
 * are written escaped. */
static int comment(const char *text, FILE *f)
{
	for (const char *l = text; *l;) {
		size_t n = strcspn(l, "\n");
		_cleanup_free_ char *u = term_safe(l, n, false);
		if (fprintf(f, "# %s\n", u) < 0)
			return -1;
		l += n + (l[n] == '\n');
	}
	return 0;
}

int export_write(const struct export_out *out, FILE *f)
{
	for (size_t i = 0; i < json_array_size(out->docs); i++) {
		const char *c = i < out->comments.n ? out->comments.v[i] : "";
		if (comment(c, f) < 0 || fputs("---\n", f) == EOF ||
		    yaml_out_json(json_array_get(out->docs, i), f) < 0)
			return -1;
	}
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

void export_out_free(struct export_out *out)
{
	json_decref(out->docs);
	strv_free(&out->comments);
	strv_free(&out->warnings);
	strv_free(&out->notes);
	*out = (struct export_out){0};
}
