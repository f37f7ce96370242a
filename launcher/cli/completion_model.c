#define _GNU_SOURCE
#include "cli/completion_model.h"

#include <ctype.h>
#include <string.h>

#include "cli/cmd_tables.h"

/* The kind of an operand or value name: SERVICE, [SERVICE...], IMAGE,
 * SRC:DST[:ro] (its leading capitals), NULL for one that has none. */
static const char *kind_of(const char *word, size_t len)
{
	static const struct {
		const char *name, *kind;
	} kinds[] = {
	    {"SERVICE", "service"}, {"CONTAINER", "container"},
	    {"IMAGE", "image"},	    {"REF", "image"},
	    {"VOLUME", "volume"},   {"PROFILE", "profile"},
	    {"SIGNAL", "signal"},   {"FILE", "file"},
	    {"PATH", "file"},	    {"SRC", "file"},
	    {"DIR", "dir"},
	};
	while (len && *word == '[')
		word++, len--;
	size_t n = 0;
	while (n < len && (isupper((unsigned char)word[n]) || word[n] == '_'))
		n++;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strlen(kinds[i].name) == n && strncmp(kinds[i].name, word, n) == 0)
			return kinds[i].kind;
	return NULL;
}

static void push_once(struct strv *s, const char *word)
{
	if (word && !strv_contains(s, word))
		strv_push(s, word);
}

/* "SERVICE|CONTAINER", "[SERVICE...]": each alternative's kind into kinds. */
static void operand_kinds(const char *word, size_t len, struct strv *kinds)
{
	for (size_t i = 0; i < len;) {
		size_t n = strcspn(word + i, "|");
		if (n > len - i)
			n = len - i;
		push_once(kinds, kind_of(word + i, n));
		i += n + 1;
	}
}

/* An alternative of the usage line: "inspect VOLUME...", "[SERVICE...]". */
static void add_alternative(struct comp_cmd *c, const char *alt, size_t len)
{
	const char *end = alt + len, *w = alt;
	const char *name = NULL;
	size_t name_len = 0;
	if (islower((unsigned char)*w)) {
		name = w;
		name_len = strcspn(w, " ");
		if (name_len > len)
			name_len = len;
		w += name_len;
	}
	struct comp_sub *s = NULL;
	for (size_t i = 0; i < c->nsubs && !name; i++)
		if (!c->subs[i].name)
			s = &c->subs[i];
	if (!s) {
		c->subs = xrealloc(c->subs, (c->nsubs + 1) * sizeof *c->subs);
		s = &c->subs[c->nsubs++];
		*s = (struct comp_sub){.name = name ? xstrndup(name, name_len) : NULL};
	}
	/* the first operand's kinds; later ones are the next word's, or its
	 * own again when it repeats ("VOLUME...") */
	for (int pos = 0; w < end && pos < 2; pos++) {
		while (w < end && *w == ' ')
			w++;
		size_t n = strcspn(w, " ");
		if (n > (size_t)(end - w))
			n = (size_t)(end - w);
		if (!n)
			break;
		bool repeats = memmem(w, n, "...", 3) != NULL;
		operand_kinds(w, n, pos == 0 ? &s->first : &s->rest);
		if (pos == 0 && repeats)
			operand_kinds(w, n, &s->rest);
		if (repeats)
			break;
		w += n;
	}
}

static void load_cmd(struct comp_cmd *c, const char *name, const char *summary)
{
	*c = (struct comp_cmd){.name = name, .summary = summary, .table = cmd_table(name)};
	const char *ops = c->table ? c->table->operands : NULL;
	/* alternatives are " | " apart; "SERVICE|CONTAINER" is one operand */
	while (ops && *ops) {
		const char *bar = strstr(ops, " | ");
		size_t n = bar ? (size_t)(bar - ops) : strlen(ops);
		add_alternative(c, ops, n);
		ops = bar ? bar + 3 : NULL;
	}
}

void comp_model_load(struct comp_model *m, const char *const *names, const char *const *summaries,
		     size_t n)
{
	*m = (struct comp_model){
	    .cmds = xcalloc(n ? n : 1, sizeof *m->cmds), .ncmds = n, .global = clan_global_opts};
	for (size_t i = 0; i < n; i++)
		load_cmd(&m->cmds[i], names[i], summaries[i]);
}

void comp_model_free(struct comp_model *m)
{
	for (size_t i = 0; i < m->ncmds; i++) {
		for (size_t k = 0; k < m->cmds[i].nsubs; k++) {
			free(m->cmds[i].subs[k].name);
			strv_free(&m->cmds[i].subs[k].first);
			strv_free(&m->cmds[i].subs[k].rest);
		}
		free(m->cmds[i].subs);
	}
	free(m->cmds);
	*m = (struct comp_model){0};
}

void comp_value(const char *arg, struct strv *words, struct strv *kinds)
{
	/* '|' inside brackets ("N[b|k|m|g]") is not an alternative */
	for (const char *a = arg; *a;) {
		size_t n = 0;
		int depth = 0;
		for (; a[n] && (depth > 0 || a[n] != '|'); n++)
			depth += a[n] == '[' ? 1 : a[n] == ']' ? -1 : 0;
		if (islower((unsigned char)*a)) {
			/* "slirp4netns[:OPTS]", "container:NAME": up to the value's name */
			size_t lit = strcspn(a, "[|ABCDEFGHIJKLMNOPQRSTUVWXYZ");
			_cleanup_free_ char *w = xstrndup(a, lit < n ? lit : n);
			push_once(words, w);
		} else {
			push_once(kinds, kind_of(a, n));
		}
		a += a[n] ? n + 1 : n;
	}
}

const struct comp_sub *comp_sub_find(const struct comp_cmd *c, const char *name)
{
	const struct comp_sub *own = NULL;
	for (size_t i = 0; i < c->nsubs; i++) {
		if (!c->subs[i].name)
			own = &c->subs[i];
		else if (name && strcmp(c->subs[i].name, name) == 0)
			return &c->subs[i];
	}
	return own;
}

void comp_join(FILE *out, const struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		fprintf(out, "%s%s", i ? " " : "", s->v[i]);
}

void comp_quote(FILE *out, const char *text)
{
	fputc('\'', out);
	for (const char *c = text; *c; c++)
		if (*c == '\'')
			fputs("'\\''", out);
		else if (*c == '\n')
			fputc(' ', out);
		else
			fputc(*c, out);
	fputc('\'', out);
}
