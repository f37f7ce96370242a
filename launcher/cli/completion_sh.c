/* clan completion bash|zsh: one script for each shell, its data (what each
 * command takes, from completion_model.h) as shell functions above a core
 * both shells run: _clan_walk reads the words typed so far as clan's
 * parser would, _clan_what says what may come next. */
#include <stdio.h>
#include <string.h>

#include "cli/completion_model.h"

static const char sh_core[] =
    "# _clan_in WORD LIST: whether WORD is one of LIST's words.\n"
    "_clan_in() {\n"
    "\tcase \" $2 \" in *\" $1 \"*) return 0 ;; esac\n"
    "\treturn 1\n"
    "}\n"
    "\n"
    "# _clan_q ARGS...: what clan answers, with the project flags typed before\n"
    "# the command; quiet, and given up on after 2 seconds.\n"
    "_clan_q() {\n"
    "\tif command -v timeout >/dev/null 2>&1; then\n"
    "\t\ttimeout 2 \"$_clan_bin\" \"${_clan_gl[@]}\" \"$@\"\n"
    "\telse\n"
    "\t\t\"$_clan_bin\" \"${_clan_gl[@]}\" \"$@\"\n"
    "\tfi 2>/dev/null </dev/null\n"
    "}\n"
    "\n"
    "# _clan_list KIND: the words of a kind, from clan itself.\n"
    "_clan_list() {\n"
    "\tcase $1 in\n"
    "\tservice) _clan_q config --services ;;\n"
    "\tcontainer) _clan_q ps -a | awk 'NR > 1 && length($1) == 12 && $1 !~ /[^0-9a-f]/ { print $NF "
    "}' ;;\n"
    "\timage) _clan_q images -a | awk 'NR > 1 && $1 != \"<none>\" { print $1 \":\" $2 }' ;;\n"
    "\tvolume) _clan_q volume ls -q ;;\n"
    "\tprofile) _clan_q profiles | awk '{ print $1 }' ;;\n"
    "\tsignal) echo SIGTERM SIGKILL SIGINT SIGHUP SIGQUIT SIGUSR1 SIGUSR2 SIGSTOP SIGCONT ;;\n"
    "\tesac\n"
    "}\n"
    "\n"
    "# _clan_short -CLUSTER: -it, -v/a:/b: sets _clan_want when the cluster's\n"
    "# option that takes a value waits for the next word.\n"
    "_clan_short() {\n"
    "\tlocal rest=${1#-} c\n"
    "\twhile [ -n \"$rest\" ]; do\n"
    "\t\tc=${rest%\"${rest#?}\"}\n"
    "\t\trest=${rest#?}\n"
    "\t\tif _clan_in \"-$c\" \"$_clan_valued\"; then\n"
    "\t\t\t[ -z \"$rest\" ] && _clan_want=-$c\n"
    "\t\t\treturn\n"
    "\t\tfi\n"
    "\tdone\n"
    "}\n"
    "\n"
    "# _clan_walk CLAN WORD...: reads the words before the one completed:\n"
    "# _clan_cmd and _clan_sub, _clan_n operands so far, _clan_want the option\n"
    "# whose value comes next, _clan_gl the project flags to pass on.\n"
    "_clan_walk() {\n"
    "\tlocal w\n"
    "\t_clan_bin=$1\n"
    "\tshift\n"
    "\tcase $_clan_bin in \"~/\"*) _clan_bin=$HOME/${_clan_bin#\"~/\"} ;; esac\n"
    "\t_clan_cmd='' _clan_sub='' _clan_n=0 _clan_want='' _clan_over=''\n"
    "\t_clan_gl=()\n"
    "\t_clan_spec ''\n"
    "\twhile [ $# -gt 0 ]; do\n"
    "\t\tw=$1\n"
    "\t\tshift\n"
    "\t\tif [ -n \"$_clan_want\" ]; then\n"
    "\t\t\t[ -z \"$_clan_cmd\" ] && _clan_gl+=(\"$w\")\n"
    "\t\t\t_clan_want=''\n"
    "\t\telif [ -z \"$_clan_cmd\" ]; then\n"
    "\t\t\tcase $w in\n"
    "\t\t\t--*=*) _clan_gl+=(\"$w\") ;;\n"
    "\t\t\t-*) _clan_in \"$w\" \"$_clan_valued\" && _clan_gl+=(\"$w\") && _clan_want=$w ;;\n"
    "\t\t\tcompose) ;;\n"
    "\t\t\t*) _clan_cmd=$w && _clan_spec \"$w\" ;;\n"
    "\t\t\tesac\n"
    "\t\telif [ -z \"$_clan_over\" ] && [ \"$w\" = -- ]; then\n"
    "\t\t\t_clan_over=1\n"
    "\t\telif [ -z \"$_clan_over\" ] && [ \"$w\" != \"${w#--}\" ]; then\n"
    "\t\t\tcase $w in *=*) ;; *) _clan_in \"$w\" \"$_clan_valued\" && _clan_want=$w ;; esac\n"
    "\t\telif [ -z \"$_clan_over\" ] && [ \"$w\" != \"${w#-?}\" ]; then\n"
    "\t\t\t_clan_short \"$w\"\n"
    "\t\telif [ -n \"$_clan_subs\" ] && [ -z \"$_clan_sub\" ]; then\n"
    "\t\t\t_clan_sub=$w\n"
    "\t\t\t_clan_spec \"$_clan_cmd\" \"$w\"\n"
    "\t\telse\n"
    "\t\t\t_clan_n=$((_clan_n + 1))\n"
    "\t\t\t[ \"$_clan_end\" -gt 0 ] && [ \"$_clan_n\" -ge \"$_clan_end\" ] && _clan_over=1\n"
    "\t\tfi\n"
    "\tdone\n"
    "\treturn 0\n"
    "}\n"
    "\n"
    "# _clan_what CUR: what to offer in place of CUR after _clan_walk: the\n"
    "# words _clan_words as they are and the kinds _clan_kinds to list.\n"
    "_clan_what() {\n"
    "\t_clan_words='' _clan_kinds=''\n"
    "\tif [ -n \"$_clan_want\" ]; then\n"
    "\t\t_clan_value \"$_clan_cmd\" \"$_clan_want\"\n"
    "\telif [ -z \"$_clan_over\" ] && [ \"$1\" != \"${1#-}\" ]; then\n"
    "\t\t_clan_words=\"$_clan_opts -h --help\"\n"
    "\telif [ -z \"$_clan_cmd\" ]; then\n"
    "\t\t_clan_words=$_clan_commands\n"
    "\telif [ -n \"$_clan_subs\" ] && [ -z \"$_clan_sub\" ]; then\n"
    "\t\t_clan_words=$_clan_subs\n"
    "\telif [ \"$_clan_end\" -gt 0 ] && [ \"$_clan_n\" -ge \"$_clan_end\" ]; then\n"
    "\t\treturn 0\n"
    "\telif [ \"$_clan_n\" -eq 0 ]; then\n"
    "\t\t_clan_kinds=$_clan_first\n"
    "\telse\n"
    "\t\t_clan_kinds=$_clan_rest\n"
    "\tfi\n"
    "\treturn 0\n"
    "}\n";

static const char bash_main[] =
    "# _clan_reply MATCH: the candidates for MATCH after _clan_what, one a line.\n"
    "_clan_reply() {\n"
    "\tlocal k w\n"
    "\t[ -z \"$_clan_words\" ] || compgen -W \"$_clan_words\" -- \"$1\"\n"
    "\tfor k in $_clan_kinds; do\n"
    "\t\tcase $k in\n"
    "\t\tfile) compgen -f -- \"$1\" ;;\n"
    "\t\tdir) compgen -d -- \"$1\" ;;\n"
    "\t\t*)\n"
    "\t\t\t# not compgen -W, which would expand what a project file names\n"
    "\t\t\t_clan_list \"$k\" | tr ' ' '\\n' | while IFS= read -r w; do\n"
    "\t\t\t\tcase $w in \"$1\"*) printf '%s\\n' \"$w\" ;; esac\n"
    "\t\t\tdone\n"
    "\t\t\t;;\n"
    "\t\tesac\n"
    "\tdone\n"
    "}\n"
    "\n"
    "# _clan: bash's completion function. The words come from COMP_LINE split\n"
    "# at blanks only, so --format=json and postgres:15 are one word each\n"
    "# whatever COMP_WORDBREAKS says (from COMP_WORDS when there is no line).\n"
    "_clan() {\n"
    "\tlocal words cword line cur match pre='' head='' eq='' i\n"
    "\tif [ -n \"${COMP_LINE-}\" ]; then\n"
    "\t\tline=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}\n"
    "\t\tread -ra words <<<\"$line\"\n"
    "\t\tcase $line in '' | *[[:space:]]) words+=('') ;; esac\n"
    "\t\tcword=$((${#words[@]} - 1))\n"
    "\telse\n"
    "\t\twords=(\"${COMP_WORDS[@]}\")\n"
    "\t\tcword=$COMP_CWORD\n"
    "\tfi\n"
    "\tcur=${words[cword]-}\n"
    "\tmatch=$cur\n"
    "\t_clan_walk \"${words[@]:0:cword}\"\n"
    "\tcase $cur in\n"
    "\t--*=*)\n"
    "\t\tif [ -z \"$_clan_want\" ] && [ -z \"$_clan_over\" ]; then\n"
    "\t\t\t_clan_want=${cur%%=*}\n"
    "\t\t\tpre=${cur%%=*}=\n"
    "\t\t\tmatch=${cur#*=}\n"
    "\t\tfi\n"
    "\t\t;;\n"
    "\tesac\n"
    "\t_clan_what \"$cur\"\n"
    "\tmapfile -t COMPREPLY < <(_clan_reply \"$match\")\n"
    "\tcase \" $_clan_kinds \" in *\" file \"* | *\" dir \"*) compopt -o filenames 2>/dev/null ;; "
    "esac\n"
    "\t# readline puts a reply in place of the word's text after its last\n"
    "\t# COMP_WORDBREAKS character (the = of --format=, the : of name:tag)\n"
    "\tif [ -n \"${COMP_LINE-}\" ]; then\n"
    "\t\tcase $COMP_WORDBREAKS in *:*) head=${cur%\"${cur##*:}\"} ;; esac\n"
    "\t\tcase $COMP_WORDBREAKS in *=*) eq=${cur%\"${cur##*=}\"} ;; esac\n"
    "\t\t[ ${#eq} -le ${#head} ] || head=$eq\n"
    "\tfi\n"
    "\tfor i in \"${!COMPREPLY[@]}\"; do\n"
    "\t\tCOMPREPLY[i]=$pre${COMPREPLY[i]}\n"
    "\t\tCOMPREPLY[i]=${COMPREPLY[i]#\"$head\"}\n"
    "\tdone\n"
    "\treturn 0\n"
    "}\n"
    "complete -F _clan clan\n";

static const char zsh_main[] =
    "# _clan: zsh's completion function, with each command's and option's\n"
    "# help beside it.\n"
    "_clan() {\n"
    "\tsetopt localoptions shwordsplit noksharrays\n"
    "\tlocal cur=${words[CURRENT]} k\n"
    "\tlocal -a reply descs\n"
    "\t_clan_walk \"${(@)words[1,CURRENT-1]}\"\n"
    "\tcase $cur in\n"
    "\t--*=*)\n"
    "\t\tif [ -z \"$_clan_want\" ] && [ -z \"$_clan_over\" ]; then\n"
    "\t\t\t_clan_want=${cur%%=*}\n"
    "\t\t\tcompset -P '*='\n"
    "\t\tfi\n"
    "\t\t;;\n"
    "\tesac\n"
    "\t_clan_what \"$cur\"\n"
    "\tif [ -z \"$_clan_want\" ] && [ -n \"$_clan_words\" ] && [ -z \"$_clan_kinds\" ]; then\n"
    "\t\t_clan_descs \"$_clan_cmd\" \"$_clan_words\"\n"
    "\t\t_describe -t values 'clan' descs && return 0\n"
    "\tfi\n"
    "\treply=($_clan_words)\n"
    "\tfor k in $_clan_kinds; do\n"
    "\t\tcase $k in\n"
    "\t\tfile) _files ;;\n"
    "\t\tdir) _files -/ ;;\n"
    "\t\t*) reply+=($(_clan_list \"$k\")) ;;\n"
    "\t\tesac\n"
    "\tdone\n"
    "\tcompadd -a reply\n"
    "}\n";

/* The spellings of defs' options (-d --detach), all or only those that
 * take a value; hidden ones (help NULL) only among the latter, for the
 * walk to skip their values. */
static void opt_words(FILE *out, const struct opt_def *defs, bool valued)
{
	struct strv words = {0};
	for (const struct opt_def *d = defs; d && d->id; d++) {
		if (valued ? !d->arg : !d->help)
			continue;
		if (d->short_name) {
			char s[3] = {'-', d->short_name, 0};
			if (!strv_contains(&words, s))
				strv_push(&words, s);
		}
		_cleanup_free_ char *l = d->long_name ? xasprintf("--%s", d->long_name) : NULL;
		if (l && !strv_contains(&words, l))
			strv_push(&words, l);
	}
	comp_join(out, &words);
	strv_free(&words);
}

static void kinds_line(FILE *out, const char *indent, const struct comp_sub *s)
{
	fprintf(out, "%s_clan_first='", indent);
	comp_join(out, &s->first);
	fputs("' _clan_rest='", out);
	comp_join(out, &s->rest);
	fputs("'\n", out);
}

static void spec_case(FILE *out, const char *name, const struct opt_def *defs,
		      const struct comp_cmd *c)
{
	fprintf(out, "\t%s)\n\t\t_clan_opts='", *name ? name : "''");
	opt_words(out, defs, false);
	fputs("'\n\t\t_clan_valued='", out);
	opt_words(out, defs, true);
	fputs("'\n", out);
	if (!c) {
		fputs("\t\t;;\n", out);
		return;
	}
	if (c->table && c->table->opts_end_at)
		fprintf(out, "\t\t_clan_end=%d\n", c->table->opts_end_at);
	const struct comp_sub *own = comp_sub_find(c, NULL);
	if (own)
		kinds_line(out, "\t\t", own);
	if (c->nsubs > (own ? 1u : 0u)) {
		fputs("\t\t_clan_subs='", out);
		for (size_t i = 0, n = 0; i < c->nsubs; i++)
			if (c->subs[i].name)
				fprintf(out, "%s%s", n++ ? " " : "", c->subs[i].name);
		fputs("'\n\t\tcase ${2-} in\n", out);
		for (size_t i = 0; i < c->nsubs; i++) {
			if (!c->subs[i].name)
				continue;
			fprintf(out, "\t\t%s)\n", c->subs[i].name);
			kinds_line(out, "\t\t\t", &c->subs[i]);
			fputs("\t\t\t;;\n", out);
		}
		fputs("\t\tesac\n", out);
	}
	fputs("\t\t;;\n", out);
}

/* _clan_spec CMD [SUB]: what CMD (or SUB of it) takes; '' for the flags
 * before a command. _clan_value CMD OPT: what OPT's value is. */
static void write_data(FILE *out, const struct comp_model *m)
{
	fputs("_clan_commands='", out);
	for (size_t i = 0; i < m->ncmds; i++)
		fprintf(out, "%s%s", i ? " " : "", m->cmds[i].name);
	fputs("'\n\n# _clan_spec CMD [SUB]: the options CMD takes (_clan_valued: those with\n"
	      "# a value), its subcommands, the kinds of its first and later operands,\n"
	      "# the operand its options end at. CMD '': the flags before a command.\n"
	      "_clan_spec() {\n"
	      "\t_clan_opts='' _clan_valued='' _clan_subs='' _clan_first='' _clan_rest='' "
	      "_clan_end=0\n"
	      "\tcase $1 in\n",
	      out);
	spec_case(out, "", m->global, NULL);
	for (size_t i = 0; i < m->ncmds; i++)
		spec_case(out, m->cmds[i].name, m->cmds[i].table ? m->cmds[i].table->opts : NULL,
			  &m->cmds[i]);
	fputs("\tesac\n}\n\n"
	      "# _clan_value CMD OPT: the words (_clan_words) and kinds (_clan_kinds)\n"
	      "# of OPT's value.\n"
	      "_clan_value() {\n"
	      "\tcase \"$1 $2\" in\n",
	      out);
	for (size_t i = 0; i <= m->ncmds; i++) {
		const char *name = i ? m->cmds[i - 1].name : "";
		const struct opt_def *d = i ? NULL : m->global;
		if (i && m->cmds[i - 1].table)
			d = m->cmds[i - 1].table->opts;
		for (; d && d->id; d++) {
			struct strv words = {0}, kinds = {0};
			if (d->arg)
				comp_value(d->arg, &words, &kinds);
			if (words.n || kinds.n) {
				fputs("\t", out);
				if (d->short_name)
					fprintf(out, "'%s -%c'%s", name, d->short_name,
						d->long_name ? " | " : "");
				if (d->long_name)
					fprintf(out, "'%s --%s'", name, d->long_name);
				fputs(") _clan_words='", out);
				comp_join(out, &words);
				fputs("' _clan_kinds='", out);
				comp_join(out, &kinds);
				fputs("' ;;\n", out);
			}
			strv_free(&words);
			strv_free(&kinds);
		}
	}
	fputs("\tesac\n}\n\n", out);
}

static void header(FILE *out, const char *shell)
{
	fprintf(out,
		"# clan's completion for %s, written by `clan completion %s` from clan's\n"
		"# option tables: install it again when clan changes.\n\n",
		shell, shell);
}

void comp_write_bash(FILE *out, const struct comp_model *m)
{
	header(out, "bash");
	write_data(out, m);
	fputs(sh_core, out);
	fputc('\n', out);
	fputs(bash_main, out);
}

/* One "_describe" entry: WORD:HELP (the first line). */
static void desc_case(FILE *out, const char *cmd, const struct opt_def *d)
{
	if (!d->help)
		return;
	size_t n = strcspn(d->help, "\n");
	_cleanup_free_ char *help = xstrndup(d->help, n);
	fputs("\t", out);
	if (d->short_name)
		fprintf(out, "'%s -%c'%s", cmd, d->short_name, d->long_name ? " | " : "");
	if (d->long_name)
		fprintf(out, "'%s --%s'", cmd, d->long_name);
	fputs(") descs+=(\"${w}:\"", out);
	comp_quote(out, help);
	fputs(") ;;\n", out);
}

/* _clan_descs CMD WORDS: descs, each word of WORDS with its help. */
static void write_descs(FILE *out, const struct comp_model *m)
{
	fputs("# _clan_descs CMD WORDS: each of WORDS with its help (word:help), in descs.\n"
	      "_clan_descs() {\n"
	      "\tlocal w\n"
	      "\tdescs=()\n"
	      "\tfor w in $2; do\n"
	      "\t\tcase \"$1 $w\" in\n",
	      out);
	for (size_t i = 0; i < m->ncmds; i++) {
		fprintf(out, "\t' %s') descs+=(\"${w}:\"", m->cmds[i].name);
		comp_quote(out, m->cmds[i].summary);
		fputs(") ;;\n", out);
	}
	for (const struct opt_def *d = m->global; d->id; d++)
		desc_case(out, "", d);
	for (size_t i = 0; i < m->ncmds; i++)
		for (const struct opt_def *d = m->cmds[i].table ? m->cmds[i].table->opts : NULL;
		     d && d->id; d++)
			desc_case(out, m->cmds[i].name, d);
	fputs("\t*' -h' | *' --help') descs+=(\"${w}:this text\") ;;\n"
	      "\t*) descs+=(\"$w\") ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "}\n\n",
	      out);
}

void comp_write_zsh(FILE *out, const struct comp_model *m)
{
	fputs("#compdef clan\n", out);
	header(out, "zsh");
	write_data(out, m);
	write_descs(out, m);
	fputs(sh_core, out);
	fputc('\n', out);
	fputs(zsh_main, out);
	/* from fpath (autoloaded as _clan) it completes; sourced, it registers */
	fputs("\nif [ \"${funcstack[1]-}\" = _clan ]; then\n"
	      "\t_clan \"$@\"\n"
	      "else\n"
	      "\tcompdef _clan clan\n"
	      "fi\n",
	      out);
}
