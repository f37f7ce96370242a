/* clan volume ls | create NAME... | inspect NAME... | rm NAME...: the
 * named volumes in the storage dir (a stack's are STACKID_VOLUME; one a
 * compose file declares with name: or external: is NAME). */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "base/util.h"
#include "supervisor/volume.h"
#include "config/cfgval.h"

static int print_row(const struct volume_info *v, void *arg)
{
	(void)arg;
	printf("%-12s  %-40s  %s\n", "local", v->name, v->project);
	return 0;
}

struct find {
	const char *name;
	json_t *out;
	bool found;
};

static int inspect_one(const struct volume_info *v, void *arg)
{
	struct find *f = arg;
	if (strcmp(v->name, f->name) != 0)
		return 0;
	char when[64] = "";
	time_t t = (time_t)v->created;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	_cleanup_free_ char *data = xasprintf("%s/_data", v->dir);
	json_array_append_new(f->out, json_pack("{s:s,s:s,s:s,s:s,s:I}", "Name", v->name, "Driver",
						"local", "Mountpoint", data, "CreatedAt", when,
						"Size", (json_int_t)volume_size(data)));
	json_object_set_new(json_array_get(f->out, json_array_size(f->out) - 1), "Project",
			    json_string(v->project));
	f->found = true;
	return 0;
}

/* As docker volume create: one that exists already is no error. */
static int create(const char *storage, const struct strv *ops, struct clan_err *err)
{
	for (size_t i = 1; i < ops->n; i++) {
		if (!cfg_is_name(ops->v[i]))
			return clan_error_code(
			    err, CLAN_EXIT_USAGE,
			    "volume create: bad name '%s': letters, digits, _ . - "
			    "starting with a letter or digit",
			    ops->v[i]);
		_cleanup_free_ char *data = NULL;
		if (volume_ensure(storage, ops->v[i], "", &data, err) < 0)
			return -1;
		puts(ops->v[i]);
	}
	return 0;
}

static const struct opt_cmd volume_cmd = {
    .name = "volume",
    .operands = "ls | create NAME... | inspect NAME... | rm NAME...",
    .about = "The named volumes of stacks (volume = NAME:/path): kept by clan down,\n"
	     "removed by clan down -v or volume rm.\n"
	     "  ls             list them, with their project\n"
	     "  create NAME    make an empty one (a compose file's external: volume)\n"
	     "  inspect NAME   each one's details as JSON\n"
	     "  rm NAME        remove them and their data\n",
};

int cmd_volume(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	(void)ctx;
	int r = opts_parse(&volume_cmd, argc, argv, NULL, NULL, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n == 0) {
		opts_usage(&volume_cmd, stderr);
		return CLAN_EXIT_USAGE;
	}
	_cleanup_free_ char *storage = paths_storage_dir();
	const char *sub = ops.v[0];
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0) {
		if (ops.n > 1)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "volume ls: unexpected argument '%s'", ops.v[1]);
		printf("%-12s  %-40s  %s\n", "DRIVER", "VOLUME NAME", "PROJECT");
		return volume_list(storage, print_row, NULL, err);
	}
	if (ops.n < 2)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "volume %s: name a volume (usage: clan volume %s)", sub,
				       volume_cmd.operands);
	if (strcmp(sub, "inspect") == 0) {
		json_t *out = json_array();
		int rc = 0;
		for (size_t i = 1; i < ops.n && rc == 0; i++) {
			struct find f = {.name = ops.v[i], .out = out};
			rc = volume_list(storage, inspect_one, &f, err);
			if (rc == 0 && !f.found)
				rc = clan_error_code(err, CLAN_EXIT_FAIL, "no such volume: %s",
						     ops.v[i]);
		}
		if (rc == 0) {
			char *text = json_dumps(out, JSON_INDENT(4));
			puts(text ? text : "[]");
			free(text);
		}
		json_decref(out);
		return rc;
	}
	if (strcmp(sub, "create") == 0)
		return create(storage, &ops, err);
	if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0) {
		for (size_t i = 1; i < ops.n; i++) {
			if (volume_remove(storage, ops.v[i], err) < 0)
				return -1;
			puts(ops.v[i]);
		}
		return 0;
	}
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "volume: unknown subcommand '%s' (usage: clan volume %s)", sub,
			       volume_cmd.operands);
}
