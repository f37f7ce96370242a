#include "cli/opts.h"

#include <string.h>

/* A name column wider than this puts its help on the next line. */
#define OPTS_NAME_MAX 24

/* Where a parse is: the command, its argv, the callback. */
struct opts_state {
	const struct opt_cmd *cmd;
	int argc;
	char **argv;
	int i; /* the next argv index */
	opt_fn fn;
	void *arg;
};

static const struct opt_def *find_long(const struct opt_def *defs, const char *name, size_t len)
{
	for (; defs && defs->id; defs++)
		if (defs->long_name && strlen(defs->long_name) == len &&
		    strncmp(defs->long_name, name, len) == 0)
			return defs;
	return NULL;
}

static const struct opt_def *find_short(const struct opt_def *defs, char c)
{
	for (; defs && defs->id; defs++)
		if (defs->short_name == c)
			return defs;
	return NULL;
}

static int show_help(const struct opt_cmd *cmd)
{
	opts_usage(cmd, stdout);
	return OPTS_HELP;
}

/* `--name`, `--name=value` or `--name value`. */
static int parse_long(struct opts_state *s, struct clan_err *err)
{
	const char *name = s->cmd->name;
	const char *word = s->argv[s->i++] + 2;
	const char *eq = strchr(word, '=');
	size_t len = eq ? (size_t)(eq - word) : strlen(word);
	const struct opt_def *d = find_long(s->cmd->opts, word, len);

	if (!d && !eq && strcmp(word, "help") == 0)
		return show_help(s->cmd);
	if (!d)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s: unknown flag '--%.*s' (see clan %s --help)", name,
				       (int)len, word, name);
	if (!d->arg) {
		if (eq)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: flag '--%s' takes no value", name,
					       d->long_name);
		return s->fn(s->arg, d->id, NULL, err);
	}
	if (eq)
		return s->fn(s->arg, d->id, eq + 1, err);
	if (s->i >= s->argc)
		return clan_error_code(err, CLAN_EXIT_USAGE, "%s: flag '--%s' needs a value", name,
				       d->long_name);
	return s->fn(s->arg, d->id, s->argv[s->i++], err);
}

/* `-it`, `-v/a:/b`, `-v /a:/b`: flags until one that takes a value,
 * which takes the rest of the word or else the next word. */
static int parse_short(struct opts_state *s, struct clan_err *err)
{
	const char *name = s->cmd->name;
	const char *c = s->argv[s->i++] + 1;

	for (; *c; c++) {
		const struct opt_def *d = find_short(s->cmd->opts, *c);
		if (!d && *c == 'h')
			return show_help(s->cmd);
		if (!d)
			return clan_error_code(err, CLAN_EXIT_USAGE,
					       "%s: unknown flag '-%c' (see clan %s --help)", name,
					       *c, name);
		if (!d->arg) {
			if (s->fn(s->arg, d->id, NULL, err) < 0)
				return -1;
			continue;
		}
		if (c[1])
			return s->fn(s->arg, d->id, c + 1, err);
		if (s->i >= s->argc)
			return clan_error_code(err, CLAN_EXIT_USAGE, "%s: flag '-%c' needs a value",
					       name, *c);
		return s->fn(s->arg, d->id, s->argv[s->i++], err);
	}
	return 0;
}

static bool is_option(const char *a)
{
	return a[0] == '-' && a[1] != '\0';
}

int opts_parse(const struct opt_cmd *cmd, int argc, char **argv, opt_fn fn, void *arg,
	       struct strv *operands, struct clan_err *err)
{
	struct opts_state s = {
	    .cmd = cmd, .argc = argc, .argv = argv, .i = 1, .fn = fn, .arg = arg};
	bool options_over = false;

	*operands = (struct strv){0};
	while (s.i < argc) {
		const char *a = argv[s.i];
		if (!options_over && strcmp(a, "--") == 0) {
			options_over = true;
			s.i++;
			continue;
		}
		if (options_over || !is_option(a)) {
			strv_push(operands, a);
			s.i++;
			if (cmd->opts_end_at > 0 && operands->n >= (size_t)cmd->opts_end_at)
				options_over = true;
			continue;
		}
		int r = a[1] == '-' ? parse_long(&s, err) : parse_short(&s, err);
		if (r != 0)
			return r;
	}
	return 0;
}

int opts_no_operands(const struct opt_cmd *cmd, const struct strv *operands, struct clan_err *err)
{
	if (operands->n == 0)
		return 0;
	return clan_error_code(err, CLAN_EXIT_USAGE,
			       "%s: unexpected argument '%s' (see clan %s --help)", cmd->name,
			       operands->v[0], cmd->name);
}

int opts_flag_bits(void *arg, int id, const char *value, struct clan_err *err)
{
	(void)value, (void)err;
	*(unsigned *)arg |= OPT_BIT(id);
	return 0;
}

int opts_timeout(const char *v, const char *cmd, int *out, struct clan_err *err)
{
	uint32_t t;
	if (!parse_u32(v, &t) || t > 86400)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s: bad --timeout '%s': the seconds services get to stop, "
				       "0 to 86400",
				       cmd, v);
	*out = (int)t;
	return 0;
}

/* "  -t, --tty", "      --rm", "  -n N": the name column of d. */
static void name_column(const struct opt_def *d, char *buf, size_t len)
{
	char shortn[8] = "    ";
	if (d->short_name)
		snprintf(shortn, sizeof shortn, "-%c%s", d->short_name, d->long_name ? ", " : "");
	snprintf(buf, len, "  %s%s%s%s%s", shortn, d->long_name ? "--" : "",
		 d->long_name ? d->long_name : "", d->arg ? " " : "", d->arg ? d->arg : "");
}

static void print_option(const char *names, const char *help, int column, FILE *out)
{
	int width = (int)strlen(names);
	if (width + 2 > column)
		fprintf(out, "%s\n%*s", names, column, "");
	else
		fprintf(out, "%-*s", column, names);
	for (const char *l = help;;) {
		size_t n = strcspn(l, "\n");
		fprintf(out, "%.*s\n", (int)n, l);
		if (!l[n] || !l[n + 1])
			break;
		l += n + 1;
		fprintf(out, "%*s", column, "");
	}
}

void opts_usage(const struct opt_cmd *cmd, FILE *out)
{
	static const struct opt_def help = {"help", 'h', NULL, "this text", -1};
	bool listed = false;
	size_t width = 0;
	char names[128];

	for (const struct opt_def *d = cmd->opts; d && d->id; d++) {
		if (!d->help)
			continue;
		listed = true;
		name_column(d, names, sizeof names);
		if (strlen(names) <= OPTS_NAME_MAX && strlen(names) > width)
			width = strlen(names);
	}
	name_column(&help, names, sizeof names);
	if (strlen(names) > width)
		width = strlen(names);
	fprintf(out, "usage: clan %s%s%s%s\n\n", cmd->name, listed ? " [OPTIONS]" : "",
		cmd->operands ? " " : "", cmd->operands ? cmd->operands : "");
	if (cmd->about)
		fprintf(out, "%s\n", cmd->about);
	fputs("Options:\n", out);
	for (const struct opt_def *d = cmd->opts; d && d->id; d++) {
		if (!d->help)
			continue;
		name_column(d, names, sizeof names);
		print_option(names, d->help, (int)width + 2, out);
	}
	name_column(&help, names, sizeof names);
	print_option(names, help.help, (int)width + 2, out);
}

int opts_format(const char *cmd, const char *value, bool *json, struct clan_err *err)
{
	if (strcmp(value, "json") != 0 && strcmp(value, "table") != 0)
		return clan_error_code(err, CLAN_EXIT_USAGE,
				       "%s: unknown --format '%s' (json or table)", cmd, value);
	*json = strcmp(value, "json") == 0;
	return 0;
}
