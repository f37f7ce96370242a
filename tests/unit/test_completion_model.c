/* Unit tests for launcher/cli/completion_model: what clan completion
 * reads from the option tables: subcommands and operand kinds from the
 * usage line, words and kinds from an option's value name. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/completion_model.h"
#include "tap.h"

/* The words of s joined by spaces, in a static buffer. */
static const char *joined(const struct strv *s)
{
	static char buf[512];
	buf[0] = '\0';
	for (size_t i = 0; i < s->n; i++) {
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof buf - n, "%s%s", i ? " " : "", s->v[i]);
	}
	return buf;
}

static void value(const char *arg, char *words, char *kinds, size_t len)
{
	struct strv w = {0}, k = {0};
	comp_value(arg, &w, &k);
	snprintf(words, len, "%s", joined(&w));
	snprintf(kinds, len, "%s", joined(&k));
	strv_free(&w);
	strv_free(&k);
}

TEST(value_words_and_kinds)
{
	char w[256], k[256];
	value("auto|single|subuid|host", w, k, sizeof w);
	CHECK(strcmp(w, "auto single subuid host") == 0 && !*k);
	value("json", w, k, sizeof w);
	CHECK(strcmp(w, "json") == 0 && !*k);
	value("FILE", w, k, sizeof w);
	CHECK(!*w && strcmp(k, "file") == 0);
	value("seccomp=unconfined|FILE", w, k, sizeof w);
	CHECK(strcmp(w, "seccomp=unconfined") == 0 && strcmp(k, "file") == 0);
	/* the literal part of an alternative, up to the value's own name */
	value("slirp4netns[:OPTS]|none|host|container:NAME", w, k, sizeof w);
	CHECK(strcmp(w, "slirp4netns none host container:") == 0 && !*k);
	/* a '|' inside brackets is no alternative */
	value("N[b|k|m|g]", w, k, sizeof w);
	CHECK(!*w && !*k);
	value("SRC:DST[:ro]", w, k, sizeof w);
	CHECK(!*w && strcmp(k, "file") == 0);
	value("K=V", w, k, sizeof w);
	CHECK(!*w && !*k);
	value("", w, k, sizeof w);
	CHECK(!*w && !*k);
}

/* The model of one command from the real tables (cli/cmd_tables.h). */
static struct comp_model one(const char *name)
{
	const char *names[] = {name}, *summaries[] = {"s"};
	struct comp_model m;
	comp_model_load(&m, names, summaries, 1);
	return m;
}

TEST(subcommands_from_the_usage_line)
{
	struct comp_model m = one("volume");
	const struct comp_cmd *c = &m.cmds[0];
	CHECK(c->table != NULL && c->nsubs == 4);
	const struct comp_sub *s = comp_sub_find(c, "inspect");
	CHECK(s && strcmp(s->name, "inspect") == 0);
	CHECK(s && strcmp(joined(&s->first), "volume") == 0);
	CHECK(s && strcmp(joined(&s->rest), "volume") == 0);
	s = comp_sub_find(c, "create");
	CHECK(s && s->first.n == 0 && s->rest.n == 0);
	CHECK(comp_sub_find(c, "nosuch") == NULL);
	comp_model_free(&m);
}

TEST(operand_kinds)
{
	struct comp_model m = one("exec");
	const struct comp_sub *s = comp_sub_find(&m.cmds[0], NULL);
	CHECK(s && strcmp(joined(&s->first), "service container") == 0 && s->rest.n == 0);
	comp_model_free(&m);
	m = one("port");
	s = comp_sub_find(&m.cmds[0], NULL);
	CHECK(s && strcmp(joined(&s->first), "service") == 0 && s->rest.n == 0);
	comp_model_free(&m);
	/* "[REF... | SERVICE...]": both, at every position */
	m = one("pull");
	s = comp_sub_find(&m.cmds[0], NULL);
	CHECK(s && strcmp(joined(&s->first), "image service") == 0);
	CHECK(s && strcmp(joined(&s->rest), "image service") == 0);
	comp_model_free(&m);
	m = one("logs");
	s = comp_sub_find(&m.cmds[0], NULL);
	CHECK(s && strcmp(joined(&s->first), "service") == 0);
	CHECK(s && strcmp(joined(&s->rest), "service") == 0);
	comp_model_free(&m);
}

TEST(a_command_without_a_table)
{
	struct comp_model m = one("version");
	CHECK(m.cmds[0].table == NULL && m.cmds[0].nsubs == 0);
	CHECK(comp_sub_find(&m.cmds[0], NULL) == NULL);
	comp_model_free(&m);
}

TEST(scripts_name_every_command)
{
	const char *names[] = {"up", "volume", "version"}, *summaries[] = {"u", "v", "it's"};
	struct comp_model m;
	comp_model_load(&m, names, summaries, 3);
	char *text = NULL;
	size_t len = 0;
	void (*writers[])(FILE *, const struct comp_model *) = {comp_write_bash, comp_write_zsh,
								comp_write_fish};
	for (size_t i = 0; i < 3; i++) {
		FILE *f = open_memstream(&text, &len);
		CHECK(f != NULL);
		if (!f)
			continue;
		writers[i](f, &m);
		fclose(f);
		CHECK(strstr(text, "volume") && strstr(text, "detach"));
		/* a summary's quote cannot end the shell's quoted word */
		CHECK(i == 0 || strstr(text, "'it'\\''s'"));
		free(text);
		text = NULL;
	}
	comp_model_free(&m);
}
