/* clan completion bash|zsh|fish: the shell completion script, as docker
 * completion's, written from the option tables and main.c's commands, so
 * it offers what this clan accepts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_tables.h"
#include "cli/commands.h"
#include "cli/completion_model.h"

const struct opt_cmd completion_cmd = {
    .name = "completion",
    .operands = "bash | zsh | fish",
    .about = "Prints the completion script for the shell. To use it now:\n"
	     "  bash:  source <(clan completion bash)\n"
	     "  zsh:   source <(clan completion zsh)\n"
	     "  fish:  clan completion fish | source\n"
	     "make install puts one for each where the shell finds it. Service, image,\n"
	     "volume and container names are completed by asking clan.\n",
};

int cmd_completion(struct clan_ctx *ctx, int argc, char **argv, struct clan_err *err)
{
	static const struct {
		const char *name;
		void (*write)(FILE *, const struct comp_model *);
	} shells[] = {
	    {"bash", comp_write_bash}, {"zsh", comp_write_zsh}, {"fish", comp_write_fish}};
	_cleanup_operands_ struct strv ops = {0};
	int r = opts_parse(&completion_cmd, argc, argv, NULL, NULL, &ops, err);
	if (r != 0)
		return r == OPTS_HELP ? 0 : -1;
	if (ops.n != 1)
		return clan_error_code(
		    err, CLAN_EXIT_USAGE,
		    "completion: name one shell: clan completion bash, zsh or fish");
	size_t k = 0;
	while (k < ARRAY_SIZE(shells) && strcmp(shells[k].name, ops.v[0]) != 0)
		k++;
	if (k == ARRAY_SIZE(shells))
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "completion: no script for '%s': bash, zsh or fish",
				       ops.v[0]);
	/* main.c's commands, and the two it knows by name */
	size_t n = ctx->n_commands + 2;
	const char **names = xcalloc(n, sizeof *names), **summaries = xcalloc(n, sizeof *summaries);
	for (size_t i = 0; i < ctx->n_commands; i++) {
		names[i] = ctx->commands[i].name;
		summaries[i] = ctx->commands[i].summary;
	}
	names[n - 2] = "compose";
	summaries[n - 2] = "the same commands under compose's name (clan compose up)";
	names[n - 1] = "version";
	summaries[n - 1] = "print the version";
	struct comp_model m;
	comp_model_load(&m, names, summaries, n);
	shells[k].write(stdout, &m);
	comp_model_free(&m);
	free(names);
	free(summaries);
	if (fflush(stdout) != 0 || ferror(stdout))
		return clan_error(err, errno, "completion: cannot write the script");
	return 0;
}
