#include "config/ytree_json.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "config/yaml_out.h"
#include "config/yaml_scalar.h"
#include "base/util.h"

static bool one_of(const char *s, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

/* Typed as compose's YAML library types it (yaml_scalar: 0x1f, 0755 as
 * octal, 1_000, 1.50), then as JSON holds it: a number JSON cannot
 * write (.inf, .nan) stays a string. */
static json_t *scalar(const struct ynode *n)
{
	static const char *const null[] = {"null", "Null", "NULL", "~", "", NULL};
	if (!n->plain)
		return json_text(n->value);
	if (one_of(n->value, null))
		return json_null();
	_cleanup_free_ char *go = yaml_scalar_as_go(n->value);
	if (!go)
		return json_text(n->value);
	if (strcmp(go, "true") == 0 || strcmp(go, "false") == 0)
		return json_boolean(go[0] == 't');
	char *end;
	errno = 0;
	long long i = strtoll(go, &end, 10);
	if (errno == 0 && *end == '\0')
		return json_integer(i);
	errno = 0;
	double f = strtod(go, &end);
	if (errno == 0 && *end == '\0' && isfinite(f))
		return json_real(f);
	return json_text(go);
}

json_t *ytree_json(const struct ynode *n)
{
	if (!n)
		return NULL;
	switch (n->kind) {
	case YN_SCALAR:
		return scalar(n);
	case YN_MAP: {
		json_t *o = json_object();
		for (size_t i = 0; i < n->n; i++) {
			_cleanup_free_ char *key = utf8_or_replacement(n->keys[i]);
			json_object_set_new(o, key, ytree_json(n->items[i]));
		}
		return o;
	}
	case YN_SEQ: {
		json_t *a = json_array();
		for (size_t i = 0; i < n->n; i++)
			json_array_append_new(a, ytree_json(n->items[i]));
		return a;
	}
	case YN_NULL:
		break;
	}
	return json_null();
}
