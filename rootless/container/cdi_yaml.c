#define _GNU_SOURCE
#include "container/cdi_yaml.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include <yaml.h>

struct yreader {
	yaml_parser_t p;
	char *why;
	size_t len;
};

static int fail(struct yreader *r, size_t line, const char *what)
{
	snprintf(r->why, r->len, "line %zu: %s", line + 1, what);
	return -1;
}

static int next(struct yreader *r, yaml_event_t *ev)
{
	if (yaml_parser_parse(&r->p, ev))
		return 0;
	return fail(r, r->p.problem_mark.line, r->p.problem ? r->p.problem : "not valid YAML");
}

/* Every field CDI reads is a string, and Go's YAML decoder gives a
 * plain 0 or true to a string field as its text: so do we (a device
 * named 0 is common). Only a plain empty value, ~ or null is null. */
static json_t *scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    (n == 0 || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0))
		return json_null();
	return json_stringn(v, n);
}

static int node(struct yreader *r, yaml_event_t *ev, int depth, json_t **out);

static int sequence(struct yreader *r, int depth, json_t *arr)
{
	for (;;) {
		yaml_event_t ev;
		if (next(r, &ev) < 0)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		json_t *item = NULL;
		int rc = node(r, &ev, depth + 1, &item);
		yaml_event_delete(&ev);
		if (rc < 0)
			return -1;
		json_array_append_new(arr, item);
	}
}

static int mapping(struct yreader *r, int depth, json_t *obj)
{
	for (;;) {
		yaml_event_t key;
		if (next(r, &key) < 0)
			return -1;
		if (key.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&key);
			return 0;
		}
		size_t line = key.start_mark.line;
		if (key.type != YAML_SCALAR_EVENT) {
			yaml_event_delete(&key);
			return fail(r, line, "a mapping's key must be a plain string");
		}
		char *k = strndup((const char *)key.data.scalar.value, key.data.scalar.length);
		yaml_event_delete(&key);
		if (!k)
			abort();
		yaml_event_t val;
		json_t *v = NULL;
		int rc = next(r, &val);
		if (rc == 0) {
			rc = node(r, &val, depth + 1, &v);
			yaml_event_delete(&val);
		}
		if (rc == 0 && json_object_get(obj, k)) {
			snprintf(r->why, r->len, "line %zu: key %.64s twice", line + 1, k);
			json_decref(v);
			rc = -1;
		}
		if (rc == 0)
			json_object_set_new(obj, k, v);
		free(k);
		if (rc < 0)
			return -1;
	}
}

/* ev: the node's first event (the caller deletes it). */
static int node(struct yreader *r, yaml_event_t *ev, int depth, json_t **out)
{
	size_t line = ev->start_mark.line;
	if (depth > CDI_YAML_DEPTH)
		return fail(r, line, "nested too deep");
	json_t *v = NULL;
	int rc = 0;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		v = scalar(ev);
		if (!v)
			return fail(r, line, "a string that is not UTF-8");
		break;
	case YAML_SEQUENCE_START_EVENT:
		v = json_array();
		rc = sequence(r, depth, v);
		break;
	case YAML_MAPPING_START_EVENT:
		v = json_object();
		rc = mapping(r, depth, v);
		break;
	case YAML_ALIAS_EVENT:
		return fail(r, line, "aliases (*name) are not allowed in a CDI spec");
	default:
		return fail(r, line, "unexpected YAML");
	}
	if (rc < 0) {
		json_decref(v);
		return -1;
	}
	*out = v;
	return 0;
}

/* STREAM_START, DOCUMENT_START, the node, DOCUMENT_END, STREAM_END. */
static int document(struct yreader *r, json_t **out)
{
	static const yaml_event_type_t before[] = {YAML_STREAM_START_EVENT,
						   YAML_DOCUMENT_START_EVENT};
	yaml_event_t ev;
	for (size_t i = 0; i < 2; i++) {
		if (next(r, &ev) < 0)
			return -1;
		bool ok = ev.type == before[i];
		size_t line = ev.start_mark.line;
		yaml_event_delete(&ev);
		if (!ok)
			return fail(r, line, "the file is empty");
	}
	if (next(r, &ev) < 0)
		return -1;
	int rc = node(r, &ev, 0, out);
	yaml_event_delete(&ev);
	for (int i = 0; rc == 0 && i < 2; i++) {
		rc = next(r, &ev);
		if (rc < 0)
			break;
		bool ok = ev.type == (i == 0 ? YAML_DOCUMENT_END_EVENT : YAML_STREAM_END_EVENT);
		size_t line = ev.start_mark.line;
		yaml_event_delete(&ev);
		if (!ok)
			rc = fail(r, line, "more than one document");
	}
	if (rc < 0) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int cdi_yaml_parse(const char *text, size_t len, json_t **out, char *why, size_t why_len)
{
	struct yreader r = {.why = why, .len = why_len};
	*out = NULL;
	if (!yaml_parser_initialize(&r.p))
		abort();
	yaml_parser_set_input_string(&r.p, (const unsigned char *)text, len);
	int rc = document(&r, out);
	yaml_parser_delete(&r.p);
	return rc;
}
