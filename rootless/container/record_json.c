#define _GNU_SOURCE
#include "container/record_json.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* How a field is kept in struct container_rec and written in JSON. */
enum field_kind {
	F_CHARS,   /* char[N], a string ("" when missing) */
	F_STR,	   /* char *, a string, required: "" when missing */
	F_STR_OPT, /* char *, a string or null (NULL) */
	F_ARGV,	   /* struct strv of strings; a non-string keeps its place as "" */
	F_ENV,	   /* struct strv of strings; a non-string is dropped */
	F_INT,	   /* int (pid_t too) */
	F_I64,	   /* int64_t */
	F_U64,	   /* uint64_t, written as a JSON integer */
	F_U32,	   /* uint32_t */
	F_BOOL,
	F_IDMAP, /* [[inside, outside, count], ...] */
};

struct field {
	const char *key;
	enum field_kind kind;
	size_t offset, size;
};

#define FIELD(k, kind, member)                                   \
	{                                                        \
		k, kind, offsetof(struct container_rec, member), \
		    sizeof(((struct container_rec *)0)->member)  \
	}

_Static_assert(sizeof(pid_t) == sizeof(int), "pid_t is kept as an int field");

/* The order is the file's: records written by earlier clans have it. */
static const struct field fields[] = {
    FIELD("id", F_CHARS, id),
    FIELD("name", F_STR, name),
    FIELD("image", F_STR, image),
    FIELD("image_id", F_CHARS, image_id),
    FIELD("cmd", F_ARGV, cmd),
    FIELD("created", F_I64, created),
    FIELD("finished", F_I64, finished),
    FIELD("state", F_CHARS, state),
    FIELD("exit_code", F_INT, exit_code),
    FIELD("pid", F_INT, pid),
    FIELD("pid_start", F_U64, pid_start),
    FIELD("rm", F_BOOL, rm),
    FIELD("userns", F_CHARS, userns),
    FIELD("uidmap", F_IDMAP, uidmap),
    FIELD("gidmap", F_IDMAP, gidmap),
    FIELD("network", F_CHARS, network),
    FIELD("net_owner", F_STR_OPT, net_owner),
    FIELD("port_handler", F_CHARS, port_handler),
    FIELD("ports", F_ARGV, ports),
    FIELD("init_pid", F_INT, init_pid),
    FIELD("init_start", F_U64, init_start),
    FIELD("project", F_STR_OPT, project),
    FIELD("service", F_STR_OPT, service),
    FIELD("env", F_ENV, env),
    FIELD("workdir", F_STR_OPT, workdir),
    FIELD("uid", F_U32, uid),
    FIELD("gid", F_U32, gid),
    FIELD("cap_add", F_ARGV, cap_add),
    FIELD("cap_drop", F_ARGV, cap_drop),
    FIELD("ulimits", F_ARGV, ulimits),
};

static json_t *idmap_json(const struct idmap *m)
{
	json_t *a = json_array();
	for (size_t i = 0; i < m->n; i++)
		json_array_append_new(a, json_pack("[I,I,I]", (json_int_t)m->r[i].inside,
						   (json_int_t)m->r[i].outside,
						   (json_int_t)m->r[i].count));
	return a;
}

static void idmap_from_json(json_t *a, struct idmap *m)
{
	m->n = 0;
	for (size_t i = 0; i < json_array_size(a) && m->n < IDMAP_MAX; i++) {
		json_int_t in = 0, out = 0, cnt = 0;
		if (json_unpack(json_array_get(a, i), "[I,I,I]", &in, &out, &cnt) == 0)
			m->r[m->n++] =
			    (struct idmap_range){(uint32_t)in, (uint32_t)out, (uint32_t)cnt};
	}
}

static json_t *strv_json(const struct strv *v)
{
	json_t *a = json_array();
	for (size_t i = 0; i < v->n; i++)
		json_array_append_new(a, json_string(v->v[i]));
	return a;
}

static void strv_from_json(json_t *a, bool keep_places, struct strv *v)
{
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s || keep_places)
			strv_push(v, s ? s : "");
	}
}

/* One field's value; NULL for a required string that is missing. */
static json_t *field_json(const struct field *f, const void *p)
{
	switch (f->kind) {
	case F_CHARS:
		return json_string(p);
	case F_STR:
		return *(char *const *)p ? json_string(*(char *const *)p) : NULL;
	case F_STR_OPT:
		return *(char *const *)p ? json_string(*(char *const *)p) : json_null();
	case F_ARGV:
	case F_ENV:
		return strv_json(p);
	case F_INT:
		return json_integer(*(const int *)p);
	case F_I64:
		return json_integer((json_int_t) * (const int64_t *)p);
	case F_U64:
		return json_integer((json_int_t) * (const uint64_t *)p);
	case F_U32:
		return json_integer((json_int_t) * (const uint32_t *)p);
	case F_BOOL:
		return json_boolean(*(const bool *)p);
	case F_IDMAP:
		return idmap_json(p);
	}
	return NULL;
}

json_t *record_to_json(const struct container_rec *r)
{
	json_t *o = json_object();
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		json_t *v = field_json(&fields[i], (const char *)r + fields[i].offset);
		if (!v || json_object_set_new(o, fields[i].key, v) < 0) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static void field_from_json(const struct field *f, json_t *v, void *p)
{
	const char *s = json_string_value(v);
	switch (f->kind) {
	case F_CHARS:
		snprintf(p, f->size, "%s", s ? s : "");
		break;
	case F_STR:
		*(char **)p = xstrdup(s ? s : "");
		break;
	case F_STR_OPT:
		*(char **)p = s ? xstrdup(s) : NULL;
		break;
	case F_ARGV:
	case F_ENV:
		strv_from_json(v, f->kind == F_ARGV, p);
		break;
	case F_INT:
		*(int *)p = (int)json_integer_value(v);
		break;
	case F_I64:
		*(int64_t *)p = (int64_t)json_integer_value(v);
		break;
	case F_U64:
		*(uint64_t *)p = (uint64_t)json_integer_value(v);
		break;
	case F_U32:
		*(uint32_t *)p = (uint32_t)json_integer_value(v);
		break;
	case F_BOOL:
		*(bool *)p = json_is_true(v);
		break;
	case F_IDMAP:
		idmap_from_json(v, p);
		break;
	}
}

void record_from_json(json_t *o, struct container_rec *r)
{
	*r = (struct container_rec){0};
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		field_from_json(&fields[i], json_object_get(o, fields[i].key),
				(char *)r + fields[i].offset);
}
