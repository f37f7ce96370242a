/* clan completion fish: fish's own `complete` lines, one per command,
 * option and subcommand (fish completes an option's value itself), with
 * __clan_state reading the words as clan's parser would to say which
 * command, subcommand and operand the cursor is at. */
#include <stdio.h>
#include <string.h>

#include "cli/completion_model.h"

static const char fish_core[] =
    "# __clan_state: reads the words before the cursor as clan's parser would:\n"
    "# __clan_cmd and __clan_sub, __clan_n operands so far, __clan_want the\n"
    "# option whose value comes next, __clan_over once options are over (--,\n"
    "# run's IMAGE), __clan_gl the project flags to pass on.\n"
    "function __clan_state\n"
    "    set -l words (commandline -opc)\n"
    "    set -e words[1]\n"
    "    set -g __clan_cmd ''\n"
    "    set -g __clan_sub ''\n"
    "    set -g __clan_n 0\n"
    "    set -g __clan_want ''\n"
    "    set -g __clan_gl\n"
    "    set -g __clan_over ''\n"
    "    for w in $words\n"
    "        if test -n \"$__clan_want\"\n"
    "            test -z \"$__clan_cmd\"; and set -a __clan_gl $w\n"
    "            set __clan_want ''\n"
    "        else if test -z \"$__clan_cmd\"\n"
    "            switch $w\n"
    "                case '--*=*'\n"
    "                    set -a __clan_gl $w\n"
    "                case '-*'\n"
    "                    if contains -- $w (__clan_valued '')\n"
    "                        set -a __clan_gl $w\n"
    "                        set __clan_want $w\n"
    "                    end\n"
    "                case compose\n"
    "                case '*'\n"
    "                    set __clan_cmd $w\n"
    "            end\n"
    "        else if test -z \"$__clan_over\"; and test \"$w\" = --\n"
    "            set __clan_over 1\n"
    "        else if test -z \"$__clan_over\"; and string match -q -- '--*' $w\n"
    "            if not string match -q -- '*=*' $w; and contains -- $w (__clan_valued "
    "$__clan_cmd)\n"
    "                set __clan_want $w\n"
    "            end\n"
    "        else if test -z \"$__clan_over\"; and string match -q -- '-?*' $w\n"
    "            set -l rest (string split '' -- (string sub -s 2 -- $w))\n"
    "            for i in (seq (count $rest))\n"
    "                if contains -- -$rest[$i] (__clan_valued $__clan_cmd)\n"
    "                    test $i -eq (count $rest); and set __clan_want -$rest[$i]\n"
    "                    break\n"
    "                end\n"
    "            end\n"
    "        else if contains -- $__clan_cmd $__clan_with_subs; and test -z \"$__clan_sub\"\n"
    "            set __clan_sub $w\n"
    "        else\n"
    "            set __clan_n (math $__clan_n + 1)\n"
    "            set -l end (__clan_end $__clan_cmd)\n"
    "            test $end -gt 0; and test $__clan_n -ge $end; and set __clan_over 1\n"
    "        end\n"
    "    end\n"
    "end\n"
    "\n"
    "# __clan_at CMD [SUB [first|rest]]: whether the cursor is after CMD (''\n"
    "# for none yet) where its options are (CMD alone), or after its SUB (''\n"
    "# for none) at its first or a later operand.\n"
    "function __clan_at\n"
    "    __clan_state\n"
    "    test \"$__clan_cmd\" = \"$argv[1]\"; or return 1\n"
    "    set -q argv[2]; or test -z \"$__clan_over\"; or return 1\n"
    "    set -q argv[2]; or return 0\n"
    "    test \"$__clan_sub\" = \"$argv[2]\"; or return 1\n"
    "    set -q argv[3]; or return 0\n"
    "    test -z \"$__clan_want\"; or return 1\n"
    "    set -l end (__clan_end $__clan_cmd)\n"
    "    if test $end -gt 0; and test $__clan_n -ge $end\n"
    "        return 1\n"
    "    end\n"
    "    switch $argv[3]\n"
    "        case first\n"
    "            test $__clan_n -eq 0\n"
    "        case '*'\n"
    "            test $__clan_n -gt 0\n"
    "    end\n"
    "end\n"
    "\n"
    "# __clan_q ARGS...: what clan answers, with the project flags typed before\n"
    "# the command; quiet, and given up on after 2 seconds.\n"
    "function __clan_q\n"
    "    set -l clan (commandline -opc)[1]\n"
    "    if command -q timeout\n"
    "        timeout 2 $clan $__clan_gl $argv 2>/dev/null </dev/null\n"
    "    else\n"
    "        $clan $__clan_gl $argv 2>/dev/null </dev/null\n"
    "    end\n"
    "end\n"
    "\n"
    "# __clan_list KIND: the words of a kind, from clan itself.\n"
    "function __clan_list\n"
    "    __clan_state\n"
    "    switch $argv[1]\n"
    "        case service\n"
    "            __clan_q config --services\n"
    "        case container\n"
    "            __clan_q ps -a | awk 'NR > 1 && length($1) == 12 && $1 !~ /[^0-9a-f]/ { print $NF "
    "}'\n"
    "        case image\n"
    "            __clan_q images -a | awk 'NR > 1 && $1 != \"<none>\" { print $1 \":\" $2 }'\n"
    "        case volume\n"
    "            __clan_q volume ls -q\n"
    "        case profile\n"
    "            __clan_q profiles | awk '{ print $1 }'\n"
    "        case signal\n"
    "            string split ' ' 'SIGTERM SIGKILL SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGSTOP "
    "SIGCONT'\n"
    "        case file\n"
    "            __fish_complete_path (commandline -ct)\n"
    "        case dir\n"
    "            __fish_complete_directories (commandline -ct)\n"
    "    end\n"
    "end\n"
    "\n"
    "complete -c clan -f\n";

/* __clan_valued CMD: the spellings of CMD's options that take a value;
 * __clan_end CMD: the operand its options end at. */
static void write_tables(FILE *out, const struct comp_model *m)
{
	fputs("set -g __clan_with_subs", out);
	for (size_t i = 0; i < m->ncmds; i++) {
		const struct comp_cmd *c = &m->cmds[i];
		if (c->nsubs > (comp_sub_find(c, NULL) ? 1u : 0u))
			fprintf(out, " %s", c->name);
	}
	fputs("\n\nfunction __clan_valued\n    switch $argv[1]\n", out);
	for (size_t i = 0; i <= m->ncmds; i++) {
		const struct opt_def *d = i ? NULL : m->global;
		if (i && m->cmds[i - 1].table)
			d = m->cmds[i - 1].table->opts;
		fprintf(out, "        case '%s'\n            printf '%%s\\n' --",
			i ? m->cmds[i - 1].name : "");
		for (; d && d->id; d++) {
			if (d->arg && d->short_name)
				fprintf(out, " -%c", d->short_name);
			if (d->arg && d->long_name)
				fprintf(out, " --%s", d->long_name);
		}
		fputs("\n", out);
	}
	fputs("    end\nend\n\nfunction __clan_end\n    switch $argv[1]\n", out);
	for (size_t i = 0; i < m->ncmds; i++)
		if (m->cmds[i].table && m->cmds[i].table->opts_end_at)
			fprintf(out, "        case %s\n            echo %d\n", m->cmds[i].name,
				m->cmds[i].table->opts_end_at);
	fputs("        case '*'\n            echo 0\n    end\nend\n\n", out);
}

/* What fish offers for a value or an operand: its words and kinds. */
static void offer(FILE *out, const struct strv *words, const struct strv *kinds)
{
	bool files = strv_contains(kinds, "file");
	if (!files)
		fputs(" -x", out);
	else
		fputs(" -r -F", out);
	if (!words->n && !(kinds->n - files))
		return;
	fputs(" -a '", out);
	comp_join(out, words);
	for (size_t i = 0; i < kinds->n; i++)
		if (strcmp(kinds->v[i], "file") != 0)
			fprintf(out, "%s(__clan_list %s)", i || words->n ? " " : "", kinds->v[i]);
	fputs("'", out);
}

static void option_lines(FILE *out, const char *cond, const struct opt_def *d)
{
	for (; d && d->id; d++) {
		if (!d->help)
			continue;
		fprintf(out, "complete -c clan -n '%s'", cond);
		if (d->short_name)
			fprintf(out, " -s %c", d->short_name);
		if (d->long_name)
			fprintf(out, " -l %s", d->long_name);
		if (d->arg) {
			struct strv words = {0}, kinds = {0};
			comp_value(d->arg, &words, &kinds);
			offer(out, &words, &kinds);
			strv_free(&words);
			strv_free(&kinds);
		}
		size_t n = strcspn(d->help, "\n");
		_cleanup_free_ char *help = xstrndup(d->help, n);
		fputs(" -d ", out);
		comp_quote(out, help);
		fputs("\n", out);
	}
}

static void operand_lines(FILE *out, const struct comp_cmd *c, const struct comp_sub *s)
{
	const struct strv none = {0};
	for (int pos = 0; pos < 2; pos++) {
		const struct strv *kinds = pos ? &s->rest : &s->first;
		if (!kinds->n)
			continue;
		fprintf(out, "complete -c clan -n \"__clan_at %s '%s' %s\"", c->name,
			s->name ? s->name : "", pos ? "rest" : "first");
		offer(out, &none, kinds);
		fputs("\n", out);
	}
}

void comp_write_fish(FILE *out, const struct comp_model *m)
{
	fputs("# clan's completion for fish, written by `clan completion fish` from clan's\n"
	      "# option tables: install it again when clan changes.\n\n",
	      out);
	write_tables(out, m);
	fputs(fish_core, out);
	option_lines(out, "__clan_at \"\"", m->global);
	fputs("complete -c clan -n '__clan_at \"\"' -s h -l help -d 'this text'\n", out);
	for (size_t i = 0; i < m->ncmds; i++) {
		const struct comp_cmd *c = &m->cmds[i];
		fprintf(out, "\ncomplete -c clan -n '__clan_at \"\"' -a %s -d ", c->name);
		comp_quote(out, c->summary);
		fputs("\n", out);
		_cleanup_free_ char *cond = xasprintf("__clan_at %s", c->name);
		option_lines(out, cond, c->table ? c->table->opts : NULL);
		fprintf(out, "complete -c clan -n '%s' -s h -l help -d 'this text'\n", cond);
		for (size_t k = 0; k < c->nsubs; k++) {
			if (c->subs[k].name)
				fprintf(out, "complete -c clan -n \"__clan_at %s ''\" -a %s\n",
					c->name, c->subs[k].name);
			operand_lines(out, c, &c->subs[k]);
		}
	}
}
