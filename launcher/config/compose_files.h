/* A compose project's files and name, with docker compose's rules (as
 * compose-go's cli/options.go and loader's NormalizeProjectName have
 * them): which file names count and in what order, the override file
 * beside it, COMPOSE_FILE, and the project name's sources and form. */
#ifndef CLAN_COMPOSE_FILES_H
#define CLAN_COMPOSE_FILES_H

#include <stddef.h>

#include "base/error.h"
#include "base/util.h"

/* In compose's order of preference, NULL-ended. */
extern const char *const compose_file_names[];
extern const char *const compose_override_names[];

/* The files of the project in dir (absolute): the first compose file by
 * name, then the first override file, added to files. Each name passed
 * over (two files with supported names) is a warning, as compose's
 * (warnings may be NULL).
 * Returns how many were added: 0 when dir has no compose file. */
size_t compose_default_files(const char *dir, struct strv *files, struct strv *warnings);

/* COMPOSE_FILE's value split at sep (COMPOSE_PATH_SEPARATOR; NULL or "":
 * ':'), each path made absolute against cwd ("-", stdin, as it is),
 * empty pieces skipped, added to files. */
void compose_env_files(const char *value, const char *sep, const char *cwd, struct strv *files);

/* compose's normal form of a name: lowercase, only [a-z0-9_-] kept, no
 * leading '_' or '-'. */
char *compose_name_normalize(const char *s);

/* The project's name, the first that is set of: flag (-p), env
 * (COMPOSE_PROJECT_NAME), the files' `name:` (normalised), the base name
 * of dir (normalised). A name from flag or env must be in normal form
 * already; an empty name is an error too (both exit 2). */
int compose_project_name(const char *flag, const char *env, const char *yaml_name, const char *dir,
			 char **out, struct clan_err *err);

/* A project named after its directory, inside a Slurm job (job: the
 * value of SLURM_JOB_ID, digits), becomes NAME-jobID: two jobs of one
 * user on one node get their own containers, locks and volumes instead of
 * sharing (and corrupting) one database. name itself otherwise. Pure;
 * caller frees. */
char *project_name_for_job(const char *name, const char *job);

#endif
