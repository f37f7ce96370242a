/* A container record as JSON (containers/<id>/container.json): one table
 * of fields, read by both directions, so a field added to the record is
 * saved and loaded or neither. */
#ifndef CLAN_RECORD_JSON_H
#define CLAN_RECORD_JSON_H

#include <jansson.h>

#include "container/store.h"

/* The record as a JSON object with the keys in the table's order (the
 * order clan has always written); NULL when a required string (name,
 * image) is missing. */
json_t *record_to_json(const struct container_rec *r);

/* Fills r (zeroed first; free with container_rec_free) from o. A key that
 * is missing or of another type reads as empty, as it always has: a record
 * from an older clan loads. r->dir is left for the caller. */
void record_from_json(json_t *o, struct container_rec *r);

#endif
