#include "supervisor/sup_answer.h"

#include <stdlib.h>
#include <string.h>

#include "base/termsafe.h"
#include "base/util.h"

json_t *sup_answer_ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

json_t *sup_answer_text(const char *s)
{
	/* JSON strings are UTF-8, and a service's log lines quoted in an
	 * error need not be: escaped as the CLI would show them anyway */
	_cleanup_free_ char *safe = term_safe(s, strlen(s), true);
	return json_string(safe);
}

json_t *sup_answer_error(const char *why)
{
	json_t *o = json_pack("{s:b}", "ok", 0);
	if (o)
		json_object_set_new(o, "error", sup_answer_text(why));
	return o;
}

char *sup_answer_dump(json_t *o)
{
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	char *line = text ? xasprintf("%s\n", text) : NULL;
	free(text);
	return line;
}

int sup_answer_parse(const char *text, const char *none, json_t **out, struct clan_err *err)
{
	*out = NULL;
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		return clan_error(err, 0, "%s", none);
	}
	if (!json_is_true(json_object_get(o, "ok"))) {
		const char *e = json_string_value(json_object_get(o, "error"));
		clan_error(err, 0, "%s", e ? e : "the supervisor refused");
		json_decref(o);
		return -1;
	}
	*out = o;
	return 0;
}
