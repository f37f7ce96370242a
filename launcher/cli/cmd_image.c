/* clan image save|load (and ls, rm as clan images, clan rmi): image
 * archives, to keep images on shared storage or carry them to a machine
 * without a registry. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/paths.h"
#include "cli/cmd_tables.h"
#include "cli/commands.h"
#include "cli/opts.h"
#include "container/image_path.h"
#include "image/image_ref.h"
#include "image/layer_bounds.h"
#include "ns/userns.h"
#include "registry/oci_archive.h"

/* The images to save, each from the first store that has it. */
struct to_save {
	struct imgstore local;
	struct image_path path;
	struct oci_save_image *v;
	struct image_record *recs;
	size_t n;
};

static void to_save_free(struct to_save *s)
{
	for (size_t i = 0; i < s->n; i++) {
		image_record_free(&s->recs[i]);
		strv_free(&s->v[i].names);
	}
	free(s->v);
	free(s->recs);
	image_path_close(&s->path);
	imgstore_close(&s->local);
}

static int find_images(struct to_save *s, const struct strv *ops, struct clan_err *err)
{
	_cleanup_free_ char *storage = paths_storage_dir();
	if (imgstore_open(&s->local, storage, err) < 0 ||
	    image_path_open_configured(&s->path, err) < 0)
		return -1;
	s->v = xcalloc(ops->n, sizeof *s->v);
	s->recs = xcalloc(ops->n, sizeof *s->recs);
	for (; s->n < ops->n; s->n++) {
		const char *text = ops->v[s->n];
		struct image_record *rec = &s->recs[s->n];
		const struct imgstore *from = &s->local;
		if (!image_path_has(&s->local, text, rec))
			from = image_path_find(&s->path, text, rec);
		if (!from)
			return clan_error_code(err, CLAN_EXIT_FAIL,
					       "no such image: %s (see clan images)", text);
		s->v[s->n].st = from;
		s->v[s->n].rec = rec;
		/* by name: saved under it; by id or deb: (no registry name): by
		 * id only, as docker saves an id */
		struct image_ref ref;
		struct clan_err ignored;
		bool by_id =
		    strncmp(text, rec->id + 7, strlen(text)) == 0 || !strcmp(text, rec->id);
		if (!by_id && strncmp(text, "deb:", 4) != 0 &&
		    image_ref_parse(text, &ref, &ignored) == 0) {
			strv_push_owned(&s->v[s->n].names, image_ref_format(&ref));
			image_ref_free(&ref);
		}
	}
	return 0;
}

enum { OPT_OUTPUT = 1, OPT_INPUT, OPT_QUIET };

static const struct opt_def save_opts[] = {
    {"output", 'o', "FILE", "write to FILE (default: stdout, never a terminal)", OPT_OUTPUT},
    {0},
};

/* The command as completion and the tables see it: its verbs and every
 * verb's options (save's and load's own tables parse them). */
static const struct opt_def image_opts[] = {
    {"output", 'o', "FILE", "save: write to FILE", OPT_OUTPUT},
    {"input", 'i', "FILE", "load: read FILE", OPT_INPUT},
    {"quiet", 'q', NULL, "load: say nothing", OPT_QUIET},
    {0},
};

const struct opt_cmd image_cmd = {
    .name = "image",
    .opts = image_opts,
    .operands = "save IMAGE... | load | ls | rm IMAGE...",
    .about = "save: images to an OCI archive; load: images from one; ls: clan images;\n"
	     "rm: clan rmi.\n",
};

static const struct opt_cmd save_cmd = {
    .name = "image save",
    .operands = "IMAGE...",
    .about = "Writes images as an OCI image layout tar (also read by docker load,\n"
	     "podman load, skopeo): to keep them on shared storage, or carry them.\n",
    .opts = save_opts,
};

/* What save's and load's options say. */
struct file_opts {
	const char *file; /* -o / -i; NULL: stdout / stdin */
	bool quiet;
};

static int take_value(void *arg, int id, const char *v, struct clan_err *err)
{
	struct file_opts *f = arg;
	(void)err;
	if (id == OPT_QUIET)
		f->quiet = true;
	else
		f->file = v;
	return 0;
}

/* Writes to a temp file beside out, renamed over it at the end: a failed
 * save leaves no half archive behind. */
static int save_to(struct to_save *s, const struct userns_plan *plan, const char *out,
		   struct clan_err *err)
{
	if (!out) {
		const char *tmp = getenv("TMPDIR");
		return oci_save(s->v, s->n, plan, tmp && *tmp ? tmp : "/var/tmp", STDOUT_FILENO,
				err);
	}
	_cleanup_free_ char *dir = path_dir(out);
	_cleanup_free_ char *tmp = xasprintf("%s.tmp-%d", out, (int)getpid());
	_cleanup_close_ int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return clan_error(err, errno, "cannot write %s", tmp);
	int rc = oci_save(s->v, s->n, plan, dir, fd, err);
	if (rc == 0 && fsync(fd) < 0)
		rc = clan_error(err, errno, "cannot write %s", out);
	if (rc == 0 && rename(tmp, out) < 0)
		rc = clan_error(err, errno, "cannot write %s", out);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static int image_save(int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct file_opts fo = {0};
	int r = opts_parse(&save_cmd, argc, argv, take_value, &fo, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	const char *out = fo.file;
	if (ops.n == 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "save: name an image (see clan images)");
	if (!out && isatty(STDOUT_FILENO))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "save: refusing to write an archive to a terminal; give -o "
				       "FILE or redirect stdout");
	struct userns_plan plan;
	struct to_save s = {0};
	int rc = userns_plan_make(USERNS_AUTO, 0, 0, &plan, err);
	if (rc == 0)
		rc = find_images(&s, &ops, err);
	if (rc == 0)
		rc = save_to(&s, &plan, out, err);
	to_save_free(&s);
	return rc < 0 ? -1 : 0;
}

static const struct opt_def load_opts[] = {
    {"input", 'i', "FILE", "read FILE (default: stdin)", OPT_INPUT},
    {"quiet", 'q', NULL, "say nothing", OPT_QUIET},
    {0},
};

static const struct opt_cmd load_cmd = {
    .name = "image load",
    .about = "Reads an image archive (OCI layout, as clan image save, skopeo or\n"
	     "podman write it; or docker save's) into the store, every blob and\n"
	     "layer checked against its digest.\n",
    .opts = load_opts,
};

/* "docker.io/library/busybox:1" as docker says it: "busybox:1". */
static void say_loaded(const char *id, const char *name, void *arg)
{
	(void)arg;
	if (!name)
		printf("Loaded image ID: %s\n", id);
	else if (strncmp(name, "docker.io/library/", 18) == 0)
		printf("Loaded image: %s\n", name + 18);
	else if (strncmp(name, "docker.io/", 10) == 0)
		printf("Loaded image: %s\n", name + 10);
	else
		printf("Loaded image: %s\n", name);
}

static int image_load(int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct file_opts fo = {0};
	int r = opts_parse(&load_cmd, argc, argv, take_value, &fo, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (opts_no_operands(&load_cmd, &ops, err) < 0)
		return -1;
	const char *in = fo.file;
	_cleanup_close_ int fd = in ? open(in, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0)
		return clan_error_code(err, CLAN_EXIT_USAGE, "load: cannot read %s: %s",
				       in ? in : "stdin", strerror(errno));
	if (!in && isatty(fd))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "load: give -i FILE or pipe an archive to stdin");
	struct oci_load_opts o = {.loaded = fo.quiet ? NULL : say_loaded};
	struct userns_plan plan;
	struct imgstore st = {0};
	_cleanup_free_ char *storage = paths_storage_dir();
	o.userns = &plan;
	int rc = userns_plan_make(USERNS_AUTO, 0, 0, &plan, err);
	if (rc == 0)
		rc = layer_bounds_floor(getenv("CLAN_PULL_EXPAND_MIB"), &o.floor_mib, err);
	if (rc == 0)
		rc = imgstore_open(&st, storage, err);
	if (rc == 0)
		rc = oci_load(&st, fd, S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0, &o, err);
	if (rc < 0 && in)
		clan_error_wrap(err, "load %s", in);
	imgstore_close(&st);
	return rc < 0 ? -1 : 0;
}

int cmd_image(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	const char *verb = argc > 1 ? argv[1] : "";
	if (strcmp(verb, "save") == 0)
		return image_save(argc - 1, argv + 1, err);
	if (strcmp(verb, "load") == 0)
		return image_load(argc - 1, argv + 1, err);
	if (strcmp(verb, "ls") == 0 || strcmp(verb, "list") == 0)
		return cmd_images(ctx, argc - 1, argv + 1, err);
	if (strcmp(verb, "rm") == 0)
		return cmd_rmi(ctx, argc - 1, argv + 1, err);
	if (strcmp(verb, "-h") == 0 || strcmp(verb, "--help") == 0) {
		puts("usage: clan image save|load|ls|rm ...  (ls: clan images; rm: clan rmi)\n");
		opts_usage(&save_cmd, stdout);
		putchar('\n');
		opts_usage(&load_cmd, stdout);
		return 0;
	}
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "image: say save, load, ls or rm (e.g. clan image save -o "
			       "app.tar app:1)");
}
