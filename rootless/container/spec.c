#include "container/spec.h"

#include <stdlib.h>
#include <unistd.h>

void spec_free(struct container_spec *s)
{
	free(s->image_ref);
	strv_free(&s->cmd);
	strv_free(&s->entrypoint);
	strv_free(&s->env);
	free(s->workdir);
	free(s->user);
	free(s->hostname);
	free(s->name);
	for (size_t i = 0; i < s->nbinds; i++) {
		free(s->binds[i].src);
		free(s->binds[i].dst);
		if (s->binds[i].pin_fd >= 0)
			close(s->binds[i].pin_fd);
	}
	free(s->binds);
	strv_free(&s->devices);
	for (size_t i = 0; i < s->ntmpfs; i++)
		tmpfs_spec_free(&s->tmpfs[i]);
	free(s->tmpfs);
	strv_free(&s->cap_add);
	strv_free(&s->cap_drop);
	free(s->ulimits);
	free(s->net_container);
	free(s->ports);
	strv_free(&s->add_hosts);
	strv_free(&s->local_names);
	free(s->project);
	free(s->service);
	free(s->seccomp);
	free(s->rm_layer_size);
	spec_init(s);
}

void spec_init(struct container_spec *s)
{
	*s = (struct container_spec){.out_fd = -1, .err_fd = -1};
}

const char *net_mode_name(enum net_mode m)
{
	static const char *const names[] = {"slirp4netns", "none", "host", "container", "pod"};
	return names[m];
}
