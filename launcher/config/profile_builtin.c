#include "config/profile_builtin.h"

#include <string.h>
#include <unistd.h>

const char *profile_builtin_text(const char *name)
{
	for (const struct profile_builtin *b = profile_builtins; b->name; b++)
		if (strcmp(b->name, name) == 0)
			return b->text;
	return NULL;
}

bool profile_is_builtin_path(const char *path)
{
	size_t n = strlen(PROFILE_BUILTIN_DIR);
	return strncmp(path, PROFILE_BUILTIN_DIR, n) == 0 && path[n] == '/';
}

void profile_builtin_names(struct strv *names)
{
	for (const struct profile_builtin *b = profile_builtins; b->name; b++)
		strv_push(names, b->name);
}

bool profile_is_builtin_dir(const char *dir)
{
	return strcmp(dir, PROFILE_BUILTIN_DIR) == 0;
}

bool profile_dir_has(const char *dir, const char *name)
{
	if (profile_is_builtin_dir(dir))
		return profile_builtin_text(name) != NULL;
	_cleanup_free_ char *path = xasprintf("%s/%s.yaml", dir, name);
	return access(path, F_OK) == 0;
}
