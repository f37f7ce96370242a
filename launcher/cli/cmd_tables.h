/* Every command's option table, in one place for what reads them all
 * (clan completion); each is defined beside its command. */
#ifndef CLAN_CMD_TABLES_H
#define CLAN_CMD_TABLES_H

#include "cli/opts.h"

extern const struct opt_cmd build_cmd, builder_cmd, completion_cmd, config_cmd, dev_cmd, doctor_cmd,
    down_cmd, exec_cmd, export_cmd, image_cmd, images_cmd, init_cmd, kill_cmd, login_cmd, logs_cmd,
    network_cmd, port_cmd, profile_cmd, profiles_cmd, ps_cmd, pull_cmd, restart_cmd, rm_cmd,
    rmi_cmd, run_cmd, start_cmd, stop_cmd, system_cmd, top_cmd, up_cmd, volume_cmd;

/* The flags before the command (compose's project flags, --debug,
 * --version); the ids of those taking a value are the characters main.c
 * files them under. */
extern const struct opt_def clan_global_opts[];

/* The table of the command called name, or NULL when it has none. */
const struct opt_cmd *cmd_table(const char *name);

#endif
