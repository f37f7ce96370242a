/* Sizes and ages as docker prints them in its tables, and sizes as docker
 * reads them in its flags. */
#ifndef CLAN_FORMAT_H
#define CLAN_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes in decimal units with three significant digits, no space: "512B",
 * "1.23kB", "4.2MB", "124MB", "1.5GB" (docker images, go-units
 * HumanSizeWithPrecision(size, 3)). */
void format_size(uint64_t bytes, char *buf, size_t len);

/* A duration in docker's words (go-units HumanDuration): "Less than a
 * second", "1 second", "N seconds", "About a minute", "N minutes", "About
 * an hour", "N hours", "N days", "N weeks", "N months", "N years". A
 * negative duration (a clock that went back) reads as less than a second.
 * Callers add "Up " or " ago". */
void format_duration(int64_t seconds, char *buf, size_t len);

/* A size as docker reads --shm-size and a tmpfs size (go-units
 * RAMInBytes): "N", "N.F", an optional space, then an optional unit
 * k, m, g, t or p (any case, powers of 1024) with an optional "i" after it
 * and an optional "b" ("64m", "1.5g", "512kb", "2GiB", "100b"). A fraction
 * of a byte is dropped. False on anything else: a sign ("-1"), an empty
 * number, other text, or more than INT64_MAX bytes (docker's int64). */
bool parse_size(const char *s, uint64_t *out);

#endif
