/* SPDX-License-Identifier: MIT */
/*
 * bump_tel_json.c - the telemetry builder's JSON writer, for bump's socket.
 *
 * It accepts exactly the shapes DPDK 22.11's struct rte_tel_data carries
 * (bump_telemetry.h), so a producer that works here works in the DPDK
 * plugin too: the unit test catches a shape DPDK would drop.
 */
#include "bump_telemetry.h"
#include "bump_log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Append @n bytes; -ENOSPC (nothing written) when they and the NUL do not fit. */
static int json_put(struct bump_tel_json *j, const char *s, size_t n)
{
	if (j->used + n + 1 > j->len)
		return -ENOSPC;
	memcpy(j->buf + j->used, s, n);
	j->used += n;
	j->buf[j->used] = '\0';
	return 0;
}

/* A string, quoted and escaped, cut at BUMP_TEL_STR_MAX - 1 bytes as DPDK cuts it. */
static int json_quote(struct bump_tel_json *j, const char *s)
{
	char out[BUMP_TEL_STR_MAX * 6 + 2];
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; s[i] && i < BUMP_TEL_STR_MAX - 1; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	return json_put(j, out, o);
}

/* DPDK's valid_name(): what a dict key may hold. */
static bool json_key_ok(const char *key)
{
	size_t n = 0;

	for (; key[n]; n++)
		if (!((key[n] >= '0' && key[n] <= '9') || (key[n] >= 'a' && key[n] <= 'z') ||
		      (key[n] >= 'A' && key[n] <= 'Z') || key[n] == '_' || key[n] == '/'))
			return false;
	return n > 0 && n < BUMP_TEL_STR_MAX;
}

/* Checks and writes what precedes a value of @kind: the comma and the key. */
static int json_begin_value(struct bump_tel_json *j, const char *key, enum bump_tel_kind kind)
{
	struct bump_tel_json_level *l = j->depth ? &j->lvl[j->depth - 1] : NULL;
	char sep = ',';
	int ret;

	if (!l)
		return bump_error(EINVAL, "telemetry reply: a value outside the reply's dict or array");

	if (l->kind == BUMP_TEL_DICT) {
		if (!key || !json_key_ok(key))
			return bump_error(EINVAL, "telemetry reply: dict key '%s' must be 1..127 of "
					  "[A-Za-z0-9_/] (DPDK's rule)", key ? key : "(null)");
		if (l->n == BUMP_TEL_DICT_MAX)
			return -ENOSPC;
	} else {
		if (key || kind != l->elem)
			return bump_error(EINVAL, "telemetry reply: an array holds unnamed values of "
					  "the one kind it was opened with (DPDK's rule)");
		if (l->n == BUMP_TEL_ARRAY_MAX)
			return -ENOSPC;
	}
	if (l->n++ == 0)
		sep = 0;
	if (sep && (ret = json_put(j, &sep, 1)))
		return ret;
	if (key && ((ret = json_quote(j, key)) || (ret = json_put(j, ":", 1))))
		return ret;
	return 0;
}

static int json_open(void *ctx, const char *key, enum bump_tel_kind kind, enum bump_tel_kind elem)
{
	struct bump_tel_json *j = ctx;
	int ret;

	if (kind != BUMP_TEL_DICT && kind != BUMP_TEL_ARRAY)
		return bump_error(EINVAL, "telemetry reply: open a dict or an array");
	if (kind == BUMP_TEL_ARRAY && elem != BUMP_TEL_INT && elem != BUMP_TEL_U64 &&
	    elem != BUMP_TEL_STR)
		return bump_error(EINVAL, "telemetry reply: an array holds numbers or strings, not "
				  "containers (DPDK's rule)");
	if (j->depth == BUMP_TEL_DEPTH_MAX)
		return bump_error(EINVAL, "telemetry reply: more than %d levels", BUMP_TEL_DEPTH_MAX);
	if (j->depth == 0) {
		if (key || j->done)
			return bump_error(EINVAL, "telemetry reply: one unnamed dict or array");
	} else if ((ret = json_begin_value(j, key, BUMP_TEL_DICT))) {
		return ret;
	}
	if ((ret = json_put(j, kind == BUMP_TEL_DICT ? "{" : "[", 1)))
		return ret;
	j->lvl[j->depth].kind = (uint8_t)kind;
	j->lvl[j->depth].elem = (uint8_t)elem;
	j->lvl[j->depth].n = 0;
	j->depth++;
	return 0;
}

static int json_close(void *ctx)
{
	struct bump_tel_json *j = ctx;
	int ret;

	if (!j->depth)
		return bump_error(EINVAL, "telemetry reply: close without an open");
	ret = json_put(j, j->lvl[j->depth - 1].kind == BUMP_TEL_DICT ? "}" : "]", 1);
	if (ret)
		return ret;
	if (--j->depth == 0)
		j->done = true;
	return 0;
}

static int json_add_int(void *ctx, const char *key, int v)
{
	struct bump_tel_json *j = ctx;
	char num[16];
	int ret = json_begin_value(j, key, BUMP_TEL_INT);

	return ret ? ret : json_put(j, num, (size_t)snprintf(num, sizeof(num), "%d", v));
}

static int json_add_u64(void *ctx, const char *key, uint64_t v)
{
	struct bump_tel_json *j = ctx;
	char num[24];
	int ret = json_begin_value(j, key, BUMP_TEL_U64);

	return ret ? ret : json_put(j, num, (size_t)snprintf(num, sizeof(num), "%" PRIu64, v));
}

static int json_add_str(void *ctx, const char *key, const char *v)
{
	struct bump_tel_json *j = ctx;
	int ret = json_begin_value(j, key, BUMP_TEL_STR);

	return ret ? ret : json_quote(j, v ? v : "");
}

static const struct bump_tel_ops json_ops = {
	.open = json_open,
	.close = json_close,
	.add_int = json_add_int,
	.add_u64 = json_add_u64,
	.add_str = json_add_str,
};

void bump_tel_json_init(struct bump_tel *t, struct bump_tel_json *j, char *buf, size_t len)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->len = len;
	if (len)
		buf[0] = '\0';
	t->ops = &json_ops;
	t->ctx = j;
	t->err = len ? 0 : -ENOSPC;
}
