/* Unit tests for launcher/clanrc: .clanrc through inih with our own line
 * reader. Line numbers, comments, indentation, long lines, and every
 * refusal with its exact message. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "config/clanrc.h"
#include "tap.h"
#include "base/util.h"

static int parse(const char *text, struct clanrc *rc, struct clan_err *err)
{
	err->msg[0] = '\0';
	err->code = 0;
	return clanrc_parse(text, ".clanrc", rc, err);
}

#define FAILS(text, want)                          \
	do {                                       \
		struct clanrc rc_;                 \
		struct clan_err e_;                \
		CHECK(parse(text, &rc_, &e_) < 0); \
		CHECK(e_.code == CLAN_EXIT_USAGE); \
		CHECK_STR(e_.msg, want);           \
	} while (0)

TEST(sections_keys_and_lines)
{
	const char *text = "; a comment\n"
			   "[project]\n"
			   "name = demo\n"
			   "\n"
			   "[service.db]\n"
			   "image = postgres:15\n"
			   "port = 5432\n"
			   "port = 5433\n"
			   "[service.web]\n"
			   "command = python3 app.py\n";
	struct clanrc rc;
	struct clan_err err;
	CHECK(parse(text, &rc, &err) == 0);
	CHECK(rc.n == 3);
	CHECK_STR(rc.s[0].name, "project");
	CHECK(rc.s[0].service == NULL && rc.s[0].line == 2);
	CHECK_STR(rc.s[0].e[0].value, "demo");
	CHECK(rc.s[0].e[0].line == 3);
	CHECK_STR(rc.s[1].service, "db");
	CHECK(rc.s[1].line == 5 && rc.s[1].n == 3);
	CHECK_STR(rc.s[1].e[1].key, "port");
	CHECK_STR(rc.s[1].e[2].value, "5433");
	CHECK(rc.s[1].e[2].line == 8);
	CHECK_STR(rc.s[2].service, "web");
	CHECK(rc.s[2].e[0].line == 10);
	CHECK_STR(rc_get(&rc.s[1], "image")->value, "postgres:15");
	CHECK(rc_get(&rc.s[1], "command") == NULL);
	clanrc_free(&rc);
}

TEST(empty_section_is_recorded)
{
	/* inih reports a section only with a key: our reader sees it anyway */
	struct clanrc rc;
	struct clan_err err;
	CHECK(parse("[service.a]\n[service.b]\nimage = x\n", &rc, &err) == 0);
	CHECK(rc.n == 2 && rc.s[0].n == 0 && rc.s[1].n == 1 && rc.s[1].line == 2);
	clanrc_free(&rc);
}

TEST(comments)
{
	struct clanrc rc;
	struct clan_err err;
	const char *text = "# hash comment\n"
			   "; semicolon comment\n"
			   "[service.a]   ; after a section\n"
			   "image = x:1      ; inline comment\n"
			   "command = sh -c 'a;b'\n"
			   "healthcheck = curl http://x/#frag # a comment\n";
	CHECK(parse(text, &rc, &err) == 0);
	CHECK_STR(rc_get(&rc.s[0], "image")->value, "x:1");
	CHECK_STR(rc_get(&rc.s[0], "image")->comment, "; inline comment");
	/* ; without a blank before it stays */
	CHECK_STR(rc_get(&rc.s[0], "command")->value, "sh -c 'a;b'");
	CHECK(rc_get(&rc.s[0], "command")->comment == NULL);
	/* # after a blank starts a comment too, as in .env; not in a word */
	CHECK_STR(rc_get(&rc.s[0], "healthcheck")->value, "curl http://x/#frag");
	CHECK_STR(rc_get(&rc.s[0], "healthcheck")->comment, "# a comment");
	clanrc_free(&rc);
}

/* The value of the one entry of "[service.a]\nLINE" ("<error: ...>"). */
static char *value_of(const char *line)
{
	char *text = xasprintf("[service.a]\n%s\n", line);
	struct clanrc rc;
	struct clan_err err;
	char *v;
	if (parse(text, &rc, &err) < 0) {
		v = xasprintf("<error: %s>", err.msg);
	} else {
		v = xstrdup(rc.s[0].n ? rc.s[0].e[0].value : "<none>");
		clanrc_free(&rc);
	}
	free(text);
	return v;
}

#define VALUE(line, want)                    \
	do {                                 \
		char *got_ = value_of(line); \
		CHECK_STR(got_, want);       \
		free(got_);                  \
	} while (0)

/* issue 11: one rule with .env: ' #' or ' ;' outside quotes ends a value */
TEST(inline_comments_as_in_dotenv)
{
	VALUE("environment = BAR=baz   # note", "BAR=baz");
	VALUE("port = 8000:80  # web", "8000:80");
	VALUE("port = 8000:80\t# web", "8000:80");
	VALUE("command = sh -c \"a ; b\"", "sh -c \"a ; b\"");
	VALUE("command = sh -c \"a ; b\"  ; runs a, then b", "sh -c \"a ; b\"");
	VALUE("command = sh -c 'echo # x; echo ; y' # z", "sh -c 'echo # x; echo ; y'");
	VALUE("command = echo \"a \\\" # b\" # c", "echo \"a \\\" # b\"");
	VALUE("command = echo a\\ #b", "echo a\\ #b");
	VALUE("environment = URL=http://x/#frag;x=1", "URL=http://x/#frag;x=1");
	VALUE("environment = C=#fff", "C=#fff");
	VALUE("image =# x", "# x");
	/* a quote never closed protects nothing: it is a plain apostrophe */
	VALUE("environment = MSG=it's # note", "MSG=it's");
	VALUE("command = sh -c \"a ; b", "sh -c \"a");
	VALUE("environment = A='x # y' # z", "A='x # y'");
	VALUE("image = \"\"\"''' ; '\" # x", "\"\"\"''' ; '\"");
	VALUE("image = ' ; ' ' ; x", "' ; ' '");
	VALUE("image = 'a\"b\" ; c", "'a\"b\"");
	VALUE("image = \"a'b' ; c ' ; d", "\"a'b'");
}

TEST(inline_comment_abuse)
{
	/* a megabyte of value, with comment marks inside quotes */
	size_t n = 1 << 20;
	char *big = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		big[i] = "a\" ;#b\"c"[i % 8];
	big[n] = '\0';
	char *line = xasprintf("command = %s # end", big);
	char *got = value_of(line);
	CHECK(strlen(got) == n && memcmp(got, big, n) == 0);
	free(got);
	free(line);
	/* the last quote never closes: the ' ;' after it starts a comment */
	big[n - 2] = 'x';
	line = xasprintf("command = x%s", big);
	got = value_of(line);
	CHECK(strlen(got) == n - 5 && strcmp(got + n - 7, "a\"") == 0);
	free(got);
	free(line);
	free(big);
	/* a NUL ends the text: what follows it is never read */
	struct clanrc rc;
	struct clan_err err;
	const char with_nul[] = "[service.a]\nimage = x # c\0\nport = 1\n";
	CHECK(parse(with_nul, &rc, &err) == 0);
	CHECK(rc.n == 1 && rc.s[0].n == 1);
	CHECK_STR(rc.s[0].e[0].value, "x");
	clanrc_free(&rc);
}

TEST(indented_lines_are_not_continuations)
{
	/* inih would read an indented line as more of the value above */
	struct clanrc rc;
	struct clan_err err;
	const char *text = "[service.a]\n"
			   "  image = x\n"
			   "\tport = 80\n"
			   "    [service.b]\n"
			   "    image = y\n";
	CHECK(parse(text, &rc, &err) == 0);
	CHECK(rc.n == 2 && rc.s[0].n == 2);
	CHECK_STR(rc.s[0].e[0].value, "x");
	CHECK_STR(rc.s[0].e[1].key, "port");
	CHECK(rc.s[0].e[1].line == 3);
	CHECK_STR(rc.s[1].e[0].value, "y");
	clanrc_free(&rc);
}

TEST(colon_separator_and_crlf)
{
	struct clanrc rc;
	struct clan_err err;
	CHECK(parse("[service.a]\r\nimage: postgres:15\r\nport = 1\r\n", &rc, &err) == 0);
	CHECK_STR(rc.s[0].e[0].value, "postgres:15");
	CHECK_STR(rc.s[0].e[1].value, "1");
	CHECK(rc.s[0].e[1].line == 3);
	clanrc_free(&rc);
}

TEST(bom)
{
	struct clanrc rc;
	struct clan_err err;
	CHECK(parse("\xef\xbb\xbf[service.a]\nimage = x\n", &rc, &err) == 0);
	CHECK(rc.n == 1);
	clanrc_free(&rc);
}

/* inih's buffer holds 200 bytes: longer lines go through our reader whole */
TEST(long_lines)
{
	char value[1200];
	memset(value, 'v', sizeof value - 1);
	value[sizeof value - 1] = '\0';
	memcpy(value, "echo ", 5);
	char *text = xasprintf("[service.a]\ncommand = %s   ; comment\nimage = x\n"
			       "; %s\n"
			       "port = 1\n",
			       value, value);
	struct clanrc rc;
	struct clan_err err;
	CHECK(parse(text, &rc, &err) == 0);
	CHECK_STR(rc_get(&rc.s[0], "command")->value, value);
	CHECK(rc_get(&rc.s[0], "command")->line == 2);
	CHECK(rc_get(&rc.s[0], "image")->line == 3);
	CHECK(rc.s[0].n == 3 && rc.s[0].e[2].line == 5);
	clanrc_free(&rc);
	free(text);

	/* exactly at inih's limit and one past it read the same */
	for (size_t len = 190; len < 205; len++) {
		char v[256];
		memset(v, 'x', len - 10);
		v[len - 10] = '\0';
		text = xasprintf("[service.a]\ncommand = %s\nimage = y\n", v);
		CHECK(parse(text, &rc, &err) == 0);
		CHECK(rc.n == 1 && rc.s[0].n == 2);
		CHECK_STR(rc.s[0].e[0].value, v);
		CHECK(rc.s[0].e[1].line == 3);
		clanrc_free(&rc);
		free(text);
	}
}

TEST(long_line_errors)
{
	char junk[400];
	memset(junk, 'j', sizeof junk - 1);
	junk[sizeof junk - 1] = '\0';
	char *text = xasprintf("[service.a]\n%s\n", junk);
	FAILS(text, ".clanrc:2: expected KEY = VALUE");
	free(text);
	text = xasprintf("[service.a]\nimage = x\nunknown_key = %s\n", junk);
	FAILS(text, ".clanrc:3: unknown key 'unknown_key' in [service.a]");
	free(text);
}

TEST(syntax_errors)
{
	FAILS("[service.a]\nimage x\n", ".clanrc:2: expected KEY = VALUE or [SECTION]");
	FAILS("[service.a\nimage = x\n", ".clanrc:1: a section line needs a closing ']'");
	FAILS("[service.a] junk\n", ".clanrc:1: unexpected text after ']'");
	/* inih's complaint comes first when its line does */
	FAILS("[service.a]\nbad line\nimgae = x\n", ".clanrc:2: expected KEY = VALUE or [SECTION]");
	FAILS("[service.a]\nimgae = x\nbad line\n",
	      ".clanrc:2: unknown key 'imgae' in [service.a] (did you mean image?)");
}

TEST(unknown_sections)
{
	FAILS("[services.web]\n",
	      ".clanrc:1: unknown section [services.web] (did you mean [service.web]?)");
	FAILS("[servce.web]\n",
	      ".clanrc:1: unknown section [servce.web] (did you mean [service.web]?)");
	FAILS("[projet]\n", ".clanrc:1: unknown section [projet] (did you mean [project]?)");
	FAILS("[web]\n", ".clanrc:1: unknown section [web] (sections: [project], [service.NAME])");
	FAILS("[service]\n", ".clanrc:1: [service] needs a name: [service.NAME]");
	FAILS("[service.]\n", ".clanrc:1: bad service name '': letters, digits, _ . - starting "
			      "with a letter or digit");
	FAILS("[service.a b]\n",
	      ".clanrc:1: bad service name 'a b': letters, digits, _ . - starting with a letter or "
	      "digit");
	FAILS("[service.a]\nimage = x\n\n[service.a]\n",
	      ".clanrc:4: [service.a] is written twice (first at line 1)");
	FAILS("[project]\n[project]\n", ".clanrc:2: [project] is written twice (first at line 1)");
}

TEST(unknown_keys_with_suggestions)
{
	FAILS("[service.a]\nimgae = x\n",
	      ".clanrc:2: unknown key 'imgae' in [service.a] (did you mean image?)");
	FAILS("[service.a]\nports = 80\n",
	      ".clanrc:2: unknown key 'ports' in [service.a] (did you mean port? a list is the key "
	      "repeated, one item per line)");
	FAILS("[service.a]\nvolumes = v:/d\n",
	      ".clanrc:2: unknown key 'volumes' in [service.a] (did you mean volume? a list is the "
	      "key repeated, one item per line)");
	FAILS("[service.a]\nenv = A=1\n",
	      ".clanrc:2: unknown key 'env' in [service.a] (did you mean environment?)");
	FAILS("[service.a]\nworkdir = /app\n",
	      ".clanrc:2: unknown key 'workdir' in [service.a] (did you mean working_dir?)");
	FAILS("[service.a]\ndepend_on = db\n",
	      ".clanrc:2: unknown key 'depend_on' in [service.a] (did you mean depends_on?)");
	FAILS("[service.a]\nImage = x\n",
	      ".clanrc:2: unknown key 'Image' in [service.a] (did you mean image?)");
	FAILS("[service.a]\nfrobnicate = x\n",
	      ".clanrc:2: unknown key 'frobnicate' in [service.a]");
	FAILS("[project]\nnmae = x\n",
	      ".clanrc:2: unknown key 'nmae' in [project] (did you mean name?)");
	FAILS("[project]\nimage = x\n", ".clanrc:2: unknown key 'image' in [project]");
}

TEST(key_outside_a_section)
{
	FAILS("image = x\n",
	      ".clanrc:1: 'image' is outside a section: put it under [service.NAME] or [project]");
}

TEST(single_keys_once_lists_repeat)
{
	FAILS("[service.a]\nimage = x\nport = 1\nimage = y\n",
	      ".clanrc:4: image is set twice in [service.a] (first at line 2); only lists such as "
	      "port or environment repeat");
	struct clanrc rc;
	struct clan_err err;
	CHECK(parse("[service.a]\nenvironment = A=1\nenvironment = B=2\nvolume = a:/a\n"
		    "bind = .:/b\ndepends_on = x\nalias = y\nenv_file = e\npackages = p\n"
		    "expose = 1\nenvironment = C=3\n",
		    &rc, &err) == 0);
	CHECK(rc.s[0].n == 10);
	clanrc_free(&rc);
	CHECK(clanrc_is_list_key("port") && clanrc_is_list_key("environment"));
	CHECK(!clanrc_is_list_key("image") && !clanrc_is_list_key("nope"));
}

TEST(empty_value)
{
	FAILS("[service.a]\nimage =\n", ".clanrc:2: image has no value");
	FAILS("[service.a]\nimage =    ; nothing\n", ".clanrc:2: image has no value");
}

TEST(empty_text)
{
	struct clanrc rc;
	struct clan_err err;
	CHECK(parse("", &rc, &err) == 0);
	CHECK(rc.n == 0);
	clanrc_free(&rc);
	CHECK(parse("\n\n; only comments\n", &rc, &err) == 0);
	CHECK(rc.n == 0);
	clanrc_free(&rc);
}
