/* RUN: the command in a clan container on the stage's layers, with the
 * stage's environment, user and workdir and the default network; the
 * container's upper dir becomes the step's layer. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/progress.h"
#include "base/debug.h"
#include "base/safe_path.h"
#include "build/build_int.h"
#include "build/build_output.h"
#include "container/container.h"
#include "container/image.h"
#include "container/store.h"
#include "image/imgstore_gc.h"

/* apt drops to its _apt user to download; with one id inside there is
 * no such user to become, so during RUN it stays root (a file bound over
 * the image's, never part of the layer). */
#define APT_SANDBOX "APT::Sandbox::User \"root\";\n"
#define APT_DROPIN_REL "etc/apt/apt.conf.d/00clan-build-sandbox"
#define APT_DROPIN "/" APT_DROPIN_REL

/* What the runtime put in the upper dir to mount onto (empty files the
 * image did not have) is not the step's change. */
/* The dir of rel inside root, no symlink followed on the way (the upper
 * dir is what the container wrote, a lower one what the image has); *base
 * is rel's last name. -1 when it is not there as plain dirs. */
static int open_parent(const char *root, const char *rel, const char **base, int *fd)
{
	_cleanup_close_ int top = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	const char *slash = strrchr(rel, '/');
	*base = slash ? slash + 1 : rel;
	_cleanup_free_ char *dir = xasprintf("/%.*s", slash ? (int)(slash - rel) : 0, rel);
	struct clan_err ignored;
	return top < 0 ? -1 : safe_path_open_strict(top, dir, SP_NOCREATE, fd, &ignored);
}

/* What the runtime put in the upper dir to mount onto (empty files the
 * image did not have) is not the step's change. */
static void drop_mount_stubs(const char *upper, const struct image *img)
{
	static const char *const stubs[] = {"etc/hosts", "etc/resolv.conf", "etc/hostname",
					    APT_DROPIN_REL};
	for (size_t i = 0; i < ARRAY_SIZE(stubs); i++) {
		const char *base;
		_cleanup_close_ int dir = -1;
		struct stat st;
		char *had = NULL;
		if (open_parent(upper, stubs[i], &base, &dir) < 0 ||
		    fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_size != 0)
			continue;
		if (image_read_file(img, stubs[i], 1 << 20, &had) == 0) {
			free(had);
			continue;
		}
		if (unlinkat(dir, base, 0) < 0)
			clan_debug("build: cannot drop the mount point %s: %s", stubs[i],
				   strerror(errno));
	}
}

static bool has_dir(const struct image *img, const char *rel)
{
	for (size_t i = 0; i < img->lowers.n; i++) {
		const char *base;
		_cleanup_close_ int dir = -1;
		struct stat st;
		if (open_parent(img->lowers.v[i], rel, &base, &dir) == 0 &&
		    fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return S_ISDIR(st.st_mode);
	}
	return false;
}

/* The stage as an image to run: its layers, config and the ARGs in scope
 * (ENV wins over an ARG of the same name). */
static int stage_image(struct build *b, const struct stage *s, struct image *img,
		       struct clan_err *err)
{
	*img = (struct image){.ref = xstrdup("build stage")};
	if (image_of_record(&b->st, &s->img, img, err) < 0)
		return -1;
	struct strv env = {0};
	for (size_t i = 0; i < s->args.n; i++)
		if (strchr(s->args.v[i], '='))
			strv_push(&env, s->args.v[i]);
	env_merge(&env, &img->env);
	strv_free(&img->env);
	img->env = env;
	return 0;
}

static int apt_dropin(const char *dir, struct bind_spec *bind, struct clan_err *err)
{
	_cleanup_free_ char *path = xasprintf("%s/apt-sandbox.conf", dir);
	if (write_file(path, APT_SANDBOX, strlen(APT_SANDBOX), err) < 0)
		return -1;
	*bind = (struct bind_spec){
	    .src = xstrdup(path), .dst = xstrdup(APT_DROPIN), .ro = true, .pin_fd = -1};
	return 0;
}

/* After the run: its upper dir into the store as layer key, the
 * container's record and dir away. */
/* A cache mount's target the runtime made (an empty dir the image did
 * not have), and the parents it made for it, are not the step's. */
static void drop_mount_dirs(const char *upper, const struct image *img, const struct strv *mounts)
{
	for (size_t i = 0; i < mounts->n; i++) {
		const char *dst = strchr(mounts->v[i], ':') + 1;
		_cleanup_free_ char *rel = xstrdup(dst + 1);
		while (*rel && !has_dir(img, rel)) {
			const char *base;
			_cleanup_close_ int dir = -1;
			if (open_parent(upper, rel, &base, &dir) < 0 ||
			    unlinkat(dir, base, AT_REMOVEDIR) < 0)
				break;
			char *slash = strrchr(rel, '/');
			if (!slash)
				break;
			*slash = '\0';
		}
	}
}

static int take_upper(struct build *b, const char *name, const struct image *img,
		      const struct strv *mounts, const char *key, int code, struct clan_err *err)
{
	struct container_rec rec;
	if (store_find(b->storage, name, &rec, err) < 0)
		return -1;
	int rc = 0;
	if (code == 0) {
		_cleanup_free_ char *upper = xasprintf("%s/upper", rec.dir);
		drop_mount_stubs(upper, img);
		drop_mount_dirs(upper, img, mounts);
		rc = imgstore_layer_commit(&b->st, upper, key, err);
	}
	struct clan_err ignored;
	store_remove(b->storage, &rec, rc == 0 ? err : &ignored);
	container_rec_free(&rec);
	return rc;
}

int build_run_step(struct build *b, struct stage *s, const struct strv *argv,
		   const struct strv *mounts, bool no_network, const char *key,
		   struct clan_err *err)
{
	struct image img;
	if (stage_image(b, s, &img, err) < 0) {
		image_free(&img);
		return -1;
	}
	char name[64];
	snprintf(name, sizeof name, "clan-build-%.12s-%d", key + 7, (int)getpid());
	struct container_spec spec;
	spec_init(&spec);
	spec.image_ref = xstrdup("build stage");
	spec.image = &img;
	spec.entrypoint_set = true;
	for (size_t i = 0; i < argv->n; i++)
		strv_push(&spec.cmd, argv->v[i]);
	spec.name = xstrdup(name);
	spec.net = no_network ? NET_NONE : NET_SLIRP;
	spec.userns = b->o->userns;
	spec.fake_ids = true;
	spec.interactive = false;
	struct run_output out;
	if (run_output_open(&out, b->o->progress, b->storage, err) < 0) {
		spec.image = NULL;
		spec_free(&spec);
		image_free(&img);
		return -1;
	}
	spec.out_fd = spec.err_fd = out.fd >= 0 ? out.fd : STDERR_FILENO;
	_cleanup_free_ char *tmp = xasprintf("%s/build/run-%d", b->storage, (int)getpid());
	int rc = 0;
	spec.binds = xcalloc(mounts->n + 1, sizeof *spec.binds);
	for (size_t i = 0; i < mounts->n; i++) {
		const char *colon = strchr(mounts->v[i], ':');
		spec.binds[spec.nbinds++] = (struct bind_spec){
		    .src = xstrndup(mounts->v[i], (size_t)(colon - mounts->v[i])),
		    .dst = xstrdup(colon + 1),
		    .pin_fd = -1};
	}
	if (b->plan.mode == USERNS_SINGLE && has_dir(&img, "etc/apt/apt.conf.d")) {
		rc = mkdir_p(tmp, 0700, err);
		if (rc == 0 && (rc = apt_dropin(tmp, &spec.binds[spec.nbinds], err)) == 0)
			spec.nbinds++;
	}
	int code = rc == 0 ? container_run(&spec, err) : -1;
	run_output_close(&out, code != 0);
	spec.image = NULL;
	spec_free(&spec);
	struct clan_err ignored;
	remove_tree(tmp, &ignored);
	if (code < 0) {
		struct container_rec rec;
		if (store_find(b->storage, name, &rec, &ignored) == 0) {
			store_remove(b->storage, &rec, &ignored);
			container_rec_free(&rec);
		}
		image_free(&img);
		return -1;
	}
	rc = take_upper(b, name, &img, mounts, key, code, err);
	image_free(&img);
	if (rc == 0 && code != 0)
		rc = clan_error_code(err, CLAN_EXIT_FAIL,
				     "step %d/%d: the command returned a non-zero code: %d",
				     b->step, b->nsteps, code);
	return rc;
}
