#include "cli/cmd_tables.h"

#include <string.h>

const struct opt_def clan_global_opts[] = {
    {"file", 'f', "FILE", "the project's file (repeat to merge compose files)", 'f'},
    {"project-name", 'p', "NAME", "the project's name", 'p'},
    {"project-directory", 0, "DIR", "the project's dir (default: the first file's)", 'd'},
    {"env-file", 0, "FILE", "instead of the project's .env (repeatable)", 'e'},
    {"profile", 0, "NAME", "enable the services of a compose profile", 'P'},
    {"debug", 0, NULL, "say what the runtime does", 'D'},
    {"version", 0, NULL, "print the version", 'V'},
    {0},
};

static const struct opt_cmd *const tables[] = {
    &build_cmd,	   &builder_cmd, &completion_cmd, &config_cmd,	&dev_cmd,    &doctor_cmd,
    &down_cmd,	   &exec_cmd,	 &export_cmd,	  &image_cmd,	&images_cmd, &init_cmd,
    &kill_cmd,	   &login_cmd,	 &logs_cmd,	  &network_cmd, &port_cmd,   &profile_cmd,
    &profiles_cmd, &ps_cmd,	 &pull_cmd,	  &restart_cmd, &rm_cmd,     &rmi_cmd,
    &run_cmd,	   &start_cmd,	 &stop_cmd,	  &system_cmd,	&top_cmd,    &up_cmd,
    &volume_cmd,
};

const struct opt_cmd *cmd_table(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++)
		if (strcmp(tables[i]->name, name) == 0)
			return tables[i];
	return NULL;
}
