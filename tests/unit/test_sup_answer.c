/* Unit tests for the supervisor's one answer shape (sup_answer.c): the
 * control socket's answers and the report `up` waits for. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "supervisor/sup_answer.h"
#include "tap.h"

static const char *none = "the supervisor died";

TEST(ok_round_trip)
{
	json_t *o = sup_answer_ok();
	json_t *w = json_array();
	json_array_append_new(w, json_string("service web exited; its last log lines:\n  web | x"));
	json_object_set_new(o, "warnings", w);
	char *text = sup_answer_dump(o);
	CHECK(text && text[strlen(text) - 1] == '\n' && !strchr(text, '\n')[1]);
	struct clan_err err = {0};
	json_t *back = NULL;
	CHECK(sup_answer_parse(text, none, &back, &err) == 0);
	CHECK_STR(json_string_value(json_array_get(json_object_get(back, "warnings"), 0)),
		  "service web exited; its last log lines:\n  web | x");
	json_decref(back);
	free(text);
}

TEST(bytes_that_are_not_utf8_survive)
{
	/* a service's log line in Latin-1, with an ESC: jansson refuses such
	 * a string, and a report it could not pack used to reach `up` as
	 * nothing ("the supervisor died") */
	const char *why = "service db exited; its last log lines:\n  db | caf\xe9 \x1b[2J";
	char *text = sup_answer_dump(sup_answer_error(why));
	CHECK(text != NULL);
	struct clan_err err = {0};
	json_t *back = NULL;
	CHECK(text && sup_answer_parse(text, none, &back, &err) == -1);
	CHECK_STR(err.msg, "service db exited; its last log lines:\n  db | caf\\xe9 \\x1b[2J");
	free(text);

	json_t *w = sup_answer_text("web | \xff\xfe");
	CHECK_STR(json_string_value(w), "web | \\xff\\xfe");
	json_decref(w);
}

TEST(error_round_trip)
{
	/* a failure's message keeps its lines, as `up` prints them */
	const char *why = "service db exited with code 3; its last log lines:\n  db | no disk";
	char *text = sup_answer_dump(sup_answer_error(why));
	CHECK_STR(text, "{\"ok\":false,\"error\":\"service db exited with code 3; its last log "
			"lines:\\n  db | no disk\"}\n");
	struct clan_err err = {0};
	json_t *back = (json_t *)1;
	CHECK(sup_answer_parse(text, none, &back, &err) == -1);
	CHECK(back == NULL);
	CHECK_STR(err.msg, why);
	CHECK(err.code == CLAN_EXIT_FAIL);
	free(text);
	CHECK(sup_answer_parse("{\"ok\":false}", none, &back, &err) == -1);
	CHECK_STR(err.msg, "the supervisor refused");
}

TEST(not_an_answer)
{
	struct clan_err err = {0};
	json_t *back = NULL;
	/* nothing (the supervisor died first), the old text protocol, not an
	 * object */
	static const char *const texts[] = {"", "ok\n", "error x\n", "[1]", "\"ok\""};
	for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
		err.msg[0] = '\0';
		CHECK(sup_answer_parse(texts[i], none, &back, &err) == -1);
		CHECK(back == NULL);
		CHECK_STR(err.msg, none);
		CHECK(err.code == CLAN_EXIT_FAIL);
	}
}
