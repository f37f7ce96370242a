/* clan volume ls [-q] [--format json] | create NAME... | inspect VOLUME... |
 * rm VOLUME...: the named volumes in the storage dir (a stack's are
 * STACKID_VOLUME; one a compose file declares with name: or external: is
 * NAME). */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/cmd_tables.h"
#include "cli/opts.h"
#include "base/paths.h"
#include "base/util.h"
#include "supervisor/volume.h"
#include "config/cfgval.h"

/* docker's keys (Name, Driver, Mountpoint, CreatedAt, Scope) and clan's
 * Project; inspect adds the Size. */
static json_t *volume_json(const struct volume_info *v)
{
	char when[64] = "";
	time_t t = (time_t)v->created;
	struct tm tm;
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	_cleanup_free_ char *data = xasprintf("%s/_data", v->dir);
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "Name", v->name, "Driver", "local",
			 "Mountpoint", data, "CreatedAt", when, "Scope", "local", "Project",
			 v->project);
}

enum { OPT_QUIET = 1, OPT_FORMAT };

struct listing {
	bool quiet, json;
	json_t *out; /* --format json's array */
};

static int list_one(const struct volume_info *v, void *arg)
{
	struct listing *l = arg;
	if (l->quiet)
		puts(v->name);
	else if (l->json)
		json_array_append_new(l->out, volume_json(v));
	else
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
	json_t *o = volume_json(v);
	_cleanup_free_ char *data = xasprintf("%s/_data", v->dir);
	json_object_set_new(o, "Size", json_integer((json_int_t)volume_size(data)));
	json_array_append_new(f->out, o);
	f->found = true;
	return 0;
}

static void print_json(json_t *out)
{
	char *text = json_dumps(out, JSON_INDENT(4));
	puts(text ? text : "[]");
	free(text);
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

static const struct opt_def volume_opts[] = {
    {"quiet", 'q', NULL, "ls: only the names, one a line", OPT_QUIET},
    {"format", 0, "json", "ls: one JSON array instead of the table", OPT_FORMAT},
    {0},
};

const struct opt_cmd volume_cmd = {
    .name = "volume",
    .operands = "ls | create NAME... | inspect VOLUME... | rm VOLUME...",
    .about = "The named volumes of stacks (volume = NAME:/path): kept by clan down,\n"
	     "removed by clan down -v or volume rm.\n"
	     "  ls             list them, with their project\n"
	     "  create NAME    make an empty one (a compose file's external: volume)\n"
	     "  inspect VOLUME each one's details as JSON\n"
	     "  rm VOLUME      remove them and their data\n",
    .opts = volume_opts,
};

static int volume_opt(void *arg, int id, const char *v, struct clan_err *err)
{
	struct listing *l = arg;
	if (id == OPT_QUIET)
		l->quiet = true;
	return id == OPT_FORMAT ? opts_format("volume ls", v, &l->json, err) : 0;
}

static int volume_ls(const char *storage, const struct strv *ops, struct listing *l,
		     struct clan_err *err)
{
	if (ops->n > 1)
		return clan_error_code(err, CLAN_EXIT_USAGE, "volume ls: unexpected argument '%s'",
				       ops->v[1]);
	if (l->json && !l->quiet)
		l->out = json_array();
	else if (!l->quiet)
		printf("%-12s  %-40s  %s\n", "DRIVER", "VOLUME NAME", "PROJECT");
	int rc = volume_list(storage, list_one, l, err);
	if (rc == 0 && l->out)
		print_json(l->out);
	json_decref(l->out);
	return rc;
}

int cmd_volume(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	_cleanup_operands_ struct strv ops = {0};
	struct listing l = {0};
	(void)ctx;
	int r = opts_parse(&volume_cmd, argc, argv, volume_opt, &l, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n == 0) {
		opts_usage(&volume_cmd, stderr);
		return CLAN_EXIT_USAGE;
	}
	_cleanup_free_ char *storage = paths_storage_dir();
	const char *sub = ops.v[0];
	if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
		return volume_ls(storage, &ops, &l, err);
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
		if (rc == 0)
			print_json(out);
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
