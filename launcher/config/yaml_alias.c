#define _GNU_SOURCE
#include "config/yaml_alias.h"

#include <string.h>
#include <yaml.h>

#include "base/util.h"

/* Sizes stop growing here: 30 levels of tenfold aliases overflow 64 bits. */
#define SIZE_CAP (UINT64_MAX / 4)

struct anchor {
	char *name;
	uint64_t size;
	bool open; /* its collection has not ended yet */
};

struct frame {
	uint64_t size;
	size_t anchor; /* index in anchors + 1, 0: none */
};

struct walk {
	struct anchor *anchors;
	size_t nanchors, capanchors;
	struct frame *frames;
	size_t nframes, capframes;
	uint64_t root; /* the size of a top-level scalar or alias */
};

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > SIZE_CAP - (b < SIZE_CAP ? b : SIZE_CAP) ? SIZE_CAP : a + b;
}

/* A later anchor of the same name replaces an earlier one: search back. */
static struct anchor *find_anchor(const struct walk *w, const char *name)
{
	for (size_t i = w->nanchors; i > 0; i--)
		if (strcmp(w->anchors[i - 1].name, name) == 0)
			return &w->anchors[i - 1];
	return NULL;
}

static size_t add_anchor(struct walk *w, const yaml_char_t *name, uint64_t size, bool open)
{
	if (!name)
		return 0;
	if (w->nanchors == w->capanchors) {
		w->capanchors = w->capanchors ? 2 * w->capanchors : 16;
		w->anchors = xrealloc(w->anchors, w->capanchors * sizeof *w->anchors);
	}
	w->anchors[w->nanchors] =
	    (struct anchor){.name = xstrdup((const char *)name), .size = size, .open = open};
	return ++w->nanchors;
}

static void add_to_parent(struct walk *w, uint64_t size)
{
	uint64_t *slot = w->nframes ? &w->frames[w->nframes - 1].size : &w->root;
	*slot = sat_add(*slot, size);
}

static void push_frame(struct walk *w, const yaml_char_t *anchor)
{
	if (w->nframes == w->capframes) {
		w->capframes = w->capframes ? 2 * w->capframes : 16;
		w->frames = xrealloc(w->frames, w->capframes * sizeof *w->frames);
	}
	size_t a = add_anchor(w, anchor, 0, true);
	w->frames[w->nframes++] = (struct frame){.size = 1, .anchor = a};
}

static void pop_frame(struct walk *w)
{
	if (!w->nframes)
		return;
	struct frame f = w->frames[--w->nframes];
	if (f.anchor) {
		w->anchors[f.anchor - 1].size = f.size;
		w->anchors[f.anchor - 1].open = false;
	}
	add_to_parent(w, f.size);
}

/* 1: this alias goes past the budget (or names an open anchor). */
static int on_alias(struct walk *w, const yaml_event_t *ev, uint64_t budget,
		    struct yaml_alias_report *rep)
{
	const struct anchor *a = find_anchor(w, (const char *)ev->data.alias.anchor);
	if (!a)
		return 0; /* the loader refuses an undefined alias */
	rep->line = ev->start_mark.line + 1;
	rep->column = ev->start_mark.column + 1;
	if (a->open) {
		rep->self = true;
		return 1;
	}
	rep->added = sat_add(rep->added, a->size);
	add_to_parent(w, a->size);
	return rep->added > budget;
}

static int on_event(struct walk *w, const yaml_event_t *ev, uint64_t budget,
		    struct yaml_alias_report *rep)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		uint64_t size = sat_add(1, ev->data.scalar.length);
		add_anchor(w, ev->data.scalar.anchor, size, false);
		add_to_parent(w, size);
		return 0;
	}
	case YAML_SEQUENCE_START_EVENT:
		push_frame(w, ev->data.sequence_start.anchor);
		return 0;
	case YAML_MAPPING_START_EVENT:
		push_frame(w, ev->data.mapping_start.anchor);
		return 0;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		pop_frame(w);
		return 0;
	case YAML_ALIAS_EVENT:
		return on_alias(w, ev, budget, rep);
	default:
		return 0;
	}
}

int yaml_alias_check(const char *text, size_t len, uint64_t budget, struct yaml_alias_report *rep)
{
	*rep = (struct yaml_alias_report){0};
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser))
		return 0;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	struct walk w = {0};
	int over = 0;
	for (bool done = false; !done && !over;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&parser, &ev))
			break;
		/* the profile loader reads the first document only */
		done = ev.type == YAML_DOCUMENT_END_EVENT || ev.type == YAML_STREAM_END_EVENT;
		over = on_event(&w, &ev, budget, rep);
		yaml_event_delete(&ev);
	}
	for (size_t i = 0; i < w.nanchors; i++)
		free(w.anchors[i].name);
	free(w.anchors);
	free(w.frames);
	yaml_parser_delete(&parser);
	return over;
}
