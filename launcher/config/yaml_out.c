#define _GNU_SOURCE
#include "config/yaml_out.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "base/strbuf.h"
#include "base/util.h"

struct out {
	yaml_emitter_t em;
	bool failed;
};

/* ok: whether the event was made (libyaml refuses bad UTF-8 without
 * touching the event). The emitter owns a made event, also on failure. */
static void emit(struct out *o, yaml_event_t *ev, int ok)
{
	if (!ok)
		o->failed = true;
	else if (o->failed)
		yaml_event_delete(ev);
	else if (!yaml_emitter_emit(&o->em, ev))
		o->failed = true;
}

/* The length of the UTF-8 sequence at p as libyaml accepts it, 0 if bad. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n = p[0] < 0x80		   ? 1
		   : (p[0] & 0xe0) == 0xc0 ? 2
		   : (p[0] & 0xf0) == 0xe0 ? 3
		   : (p[0] & 0xf8) == 0xf0 ? 4
					   : 0;
	unsigned long c = n == 1 ? p[0] : n == 2 ? p[0] & 0x1f : n == 3 ? p[0] & 0x0f : p[0] & 0x07;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if (n == 0 || (n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

/* YAML is UTF-8: a value that is not (an env_file in Latin-1) shows its
 * bad bytes as U+FFFD. */
char *utf8_or_replacement(const char *s)
{
	struct strbuf b = {0};
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_len(p);
		if (n) {
			strbuf_addn(&b, (const char *)p, n);
			p += n;
		} else {
			strbuf_adds(&b, "\xef\xbf\xbd");
			p++;
		}
	}
	return strbuf_steal(&b);
}

/* Plain scalars that a YAML 1.1 reader takes for something other than a
 * string: restart: no would be false, PYTHONUNBUFFERED: 1 a number. */
static bool looks_typed(const char *s)
{
	static const char *const words[] = {"y",   "yes",  "n", "no",	"true",	 "false", "on",
					    "off", "null", "~", ".inf", "-.inf", ".nan"};
	if (!*s)
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	/* anything number-like (1, 0.5, 1e3, 0x1f, 1:30): quoting too much is
	 * harmless, too little changes the value */
	const char *p = s + (*s == '-' || *s == '+' || *s == '.');
	return isdigit((unsigned char)*p) &&
	       strspn(s, "0123456789abcdefABCDEFxXoO.+-_:") == strlen(s);
}

static void str(struct out *o, const char *s)
{
	yaml_event_t ev;
	_cleanup_free_ char *text = utf8_or_replacement(s);
	/* a script reads best as a literal block */
	yaml_scalar_style_t style = strchr(text, '\n')	? YAML_LITERAL_SCALAR_STYLE
				    : looks_typed(text) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
							: YAML_ANY_SCALAR_STYLE;
	emit(o, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
					  1, 1, style));
}

static void start(struct out *o, bool map, bool flow)
{
	yaml_event_t ev;
	if (map)
		emit(o, &ev,
		     yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 flow ? YAML_FLOW_MAPPING_STYLE
							      : YAML_BLOCK_MAPPING_STYLE));
	else
		emit(o, &ev,
		     yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  flow ? YAML_FLOW_SEQUENCE_STYLE
							       : YAML_BLOCK_SEQUENCE_STYLE));
}

static void end(struct out *o, bool map)
{
	yaml_event_t ev;
	emit(o, &ev,
	     map ? yaml_mapping_end_event_initialize(&ev)
		 : yaml_sequence_end_event_initialize(&ev));
}

/* A scalar that is no string: as JSON writes it, plain. */
static void plain(struct out *o, const char *text)
{
	yaml_event_t ev;
	emit(o, &ev,
	     yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
					  1, 1, YAML_PLAIN_SCALAR_STYLE));
}

static void value(struct out *o, const json_t *v)
{
	char num[64];
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *item;
		start(o, true, json_object_size(v) == 0);
		json_object_foreach((json_t *)v, k, item)
		{
			str(o, k);
			value(o, item);
		}
		end(o, true);
		break;
	}
	case JSON_ARRAY:
		start(o, false, json_array_size(v) == 0);
		for (size_t i = 0; i < json_array_size(v); i++)
			value(o, json_array_get(v, i));
		end(o, false);
		break;
	case JSON_STRING:
		str(o, json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		plain(o, num);
		break;
	case JSON_REAL:
		snprintf(num, sizeof num, "%g", json_real_value(v));
		plain(o, num);
		break;
	case JSON_TRUE:
		plain(o, "true");
		break;
	case JSON_FALSE:
		plain(o, "false");
		break;
	case JSON_NULL:
		plain(o, "null");
		break;
	}
}

int yaml_out_json(const json_t *v, FILE *f)
{
	struct out o = {0};
	yaml_event_t ev;
	if (!yaml_emitter_initialize(&o.em))
		return -1;
	yaml_emitter_set_output_file(&o.em, f);
	yaml_emitter_set_unicode(&o.em, 1);
	yaml_emitter_set_width(&o.em, 100);
	emit(&o, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	emit(&o, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	value(&o, v);
	emit(&o, &ev, yaml_document_end_event_initialize(&ev, 1));
	emit(&o, &ev, yaml_stream_end_event_initialize(&ev));
	if (!yaml_emitter_flush(&o.em))
		o.failed = true;
	yaml_emitter_delete(&o.em);
	return o.failed ? -1 : 0;
}

json_t *json_text(const char *s)
{
	_cleanup_free_ char *u = utf8_or_replacement(s);
	return json_string(u);
}
