/* SPDX-License-Identifier: MIT */
/*
 * stat.h - bump-stat, live pool and port statistics of running bump
 * processes through their telemetry sockets (lib/telemetry).
 *
 *   stat_main.c   options, finding the processes, the once / --watch loop, output
 *   stat_json.c   a small JSON reader for the replies
 */
#ifndef STAT_H
#define STAT_H

#include <stdbool.h>
#include <stdint.h>

enum sjson_type { SJ_NULL, SJ_NUMBER, SJ_STRING, SJ_ARRAY, SJ_OBJECT };

struct sjson {
	enum sjson_type type;
	const char *key;       /* inside an object */
	const char *str;
	double num;
	uint64_t u;            /* a non-negative number, exactly */
	struct sjson *child, *next;
};

/* Parse @text in place into @nodes (at most @max); NULL when it is not JSON or too big. */
struct sjson *sjson_parse(char *text, struct sjson *nodes, unsigned max);
const struct sjson *sjson_get(const struct sjson *obj, const char *key);
uint64_t sjson_u64(const struct sjson *obj, const char *key);
long sjson_int(const struct sjson *obj, const char *key);
const char *sjson_str(const struct sjson *obj, const char *key);

#endif /* STAT_H */
