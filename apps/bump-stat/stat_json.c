/* SPDX-License-Identifier: MIT */
/*
 * stat_json.c - a small JSON reader for telemetry replies: parses a
 * message in place into a tree of nodes (objects, arrays, strings,
 * numbers, null), enough for what bump's and DPDK's sockets send.
 */
#include "stat.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct stat_parser {
	char *p;
	struct sjson *nodes;
	unsigned n, max;
};

static struct sjson *sj_node(struct stat_parser *ps, enum sjson_type type)
{
	struct sjson *v;

	if (ps->n == ps->max)
		return NULL;
	v = &ps->nodes[ps->n++];
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

static void sj_space(struct stat_parser *ps)
{
	while (isspace((unsigned char)*ps->p))
		ps->p++;
}

/* A string, unescaped in place (\uXXXX below 0x80 only; others become '?'). */
static char *sj_string(struct stat_parser *ps)
{
	char *out, *start;

	if (*ps->p != '"')
		return NULL;
	start = out = ++ps->p;
	while (*ps->p && *ps->p != '"') {
		char c = *ps->p++;

		if (c == '\\') {
			c = *ps->p++;
			if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'r')
				c = '\r';
			else if (c == 'u') {
				char hex[5] = { 0 };

				for (int i = 0; i < 4 && *ps->p; i++)
					hex[i] = *ps->p++;
				long u = strtol(hex, NULL, 16);

				c = u > 0 && u < 0x80 ? (char)u : '?';
			} else if (!c) {
				return NULL;
			}
		}
		*out++ = c;
	}
	if (*ps->p != '"')
		return NULL;
	ps->p++;
	*out = '\0';
	return start;
}

static struct sjson *sj_value(struct stat_parser *ps, unsigned depth)
{
	struct sjson *v = NULL, **tail;

	sj_space(ps);
	if (depth > 16)
		return NULL;
	if (*ps->p == '{' || *ps->p == '[') {
		bool obj = *ps->p++ == '{';

		v = sj_node(ps, obj ? SJ_OBJECT : SJ_ARRAY);
		if (!v)
			return NULL;
		tail = &v->child;
		sj_space(ps);
		if (*ps->p == (obj ? '}' : ']')) {
			ps->p++;
			return v;
		}
		for (;;) {
			char *key = NULL;
			struct sjson *c;

			sj_space(ps);
			if (obj) {
				key = sj_string(ps);
				sj_space(ps);
				if (!key || *ps->p++ != ':')
					return NULL;
			}
			c = sj_value(ps, depth + 1);
			if (!c)
				return NULL;
			c->key = key;
			*tail = c;
			tail = &c->next;
			sj_space(ps);
			if (*ps->p == ',') {
				ps->p++;
				continue;
			}
			if (*ps->p++ != (obj ? '}' : ']'))
				return NULL;
			return v;
		}
	}
	if (*ps->p == '"') {
		char *s = sj_string(ps);

		if (!s || !(v = sj_node(ps, SJ_STRING)))
			return NULL;
		v->str = s;
		return v;
	}
	if (!strncmp(ps->p, "null", 4)) {
		ps->p += 4;
		return sj_node(ps, SJ_NULL);
	}
	if (*ps->p == '-' || isdigit((unsigned char)*ps->p)) {
		char *end;

		if (!(v = sj_node(ps, SJ_NUMBER)))
			return NULL;
		v->num = strtod(ps->p, &end);
		v->u = *ps->p == '-' ? 0 : strtoull(ps->p, NULL, 10);
		ps->p = end;
		return v;
	}
	return NULL;
}

struct sjson *sjson_parse(char *text, struct sjson *nodes, unsigned max)
{
	struct stat_parser ps = { .p = text, .nodes = nodes, .max = max };
	struct sjson *v = sj_value(&ps, 0);

	sj_space(&ps);
	return v && !*ps.p ? v : NULL;
}

const struct sjson *sjson_get(const struct sjson *obj, const char *key)
{
	if (!obj || obj->type != SJ_OBJECT)
		return NULL;
	for (const struct sjson *c = obj->child; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}

uint64_t sjson_u64(const struct sjson *obj, const char *key)
{
	const struct sjson *v = sjson_get(obj, key);

	return v && v->type == SJ_NUMBER ? v->u : 0;
}

long sjson_int(const struct sjson *obj, const char *key)
{
	const struct sjson *v = sjson_get(obj, key);

	return v && v->type == SJ_NUMBER ? (long)v->num : 0;
}

const char *sjson_str(const struct sjson *obj, const char *key)
{
	const struct sjson *v = sjson_get(obj, key);

	return v && v->type == SJ_STRING ? v->str : "";
}
