/* clan images in a project dir: the images its running services use, as
 * docker compose images shows them. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "base/format.h"
#include "cli/images_stack.h"
#include "image/imgstore.h"
#include "supervisor/stack_cli.h"
#include "container/store.h"

struct walk {
	const struct stack_ctx *c;
	const struct imgstore *st;
	int shown;
};

static int show(const struct container_rec *r, void *arg)
{
	struct walk *w = arg;
	if (!r->project || strcmp(r->project, w->c->ss.id) != 0 || !store_is_running(r))
		return 0;
	char size[32] = "-";
	struct image_record img;
	struct clan_err ignored;
	if (r->image_id[0] && imgstore_load_image(w->st, r->image_id, &img, &ignored) == 0) {
		format_size(img.size, size, sizeof size);
		image_record_free(&img);
	}
	printf("%-28s  %-12s  %-40s  %-14.12s  %s\n", r->name, r->service ? r->service : "-",
	       r->image, r->image_id[0] ? r->image_id + 7 : "-", size);
	w->shown++;
	return 0;
}

int images_stack(const struct project_args *args, struct clan_err *err)
{
	struct stack_ctx c;
	if (stack_ctx_open(&c, args, err) < 0)
		return -1;
	struct imgstore st = {0};
	int rc = imgstore_open(&st, c.storage, err);
	struct walk w = {.c = &c, .st = &st};
	if (rc == 0) {
		printf("%-28s  %-12s  %-40s  %-14s  %s\n", "CONTAINER", "SERVICE", "IMAGE",
		       "IMAGE ID", "SIZE");
		rc = store_list(c.storage, show, &w, err);
	}
	if (rc == 0 && w.shown == 0)
		fprintf(stderr,
			"clan: the stack %s is not running; clan images -a lists every "
			"image\n",
			c.st.name);
	imgstore_close(&st);
	stack_ctx_free(&c);
	return rc;
}
