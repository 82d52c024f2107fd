/* SPDX-License-Identifier: MIT */
/*
 * mempool_bump_tel.c - bump's telemetry commands in DPDK's own telemetry:
 * in a DPDK program that loads this plugin, dpdk-telemetry.py lists
 * /bump/page_pool/list, /bump/page_pool/stats_get,<id> and the rest next
 * to DPDK's /mempool/list (doc/telemetry.md).
 *
 * The producers are lib/telemetry's, unchanged: they write through the
 * builder (struct bump_tel), which here fills struct rte_tel_data.  A nested
 * dict or array is a container DPDK allocates, attached to its parent when
 * it is closed (DPDK frees it after writing the reply).
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "bump_telemetry.h"
#include "mempool_bump.h"

struct bmp_tel {
	unsigned depth;
	struct {
		struct rte_tel_data *d;
		char key[BUMP_TEL_STR_MAX];  /* its name in the parent dict */
	} lvl[BUMP_TEL_DEPTH_MAX];
};

static enum rte_tel_value_type bmp_tel_type(enum bump_tel_kind k)
{
	return k == BUMP_TEL_U64 ? RTE_TEL_U64_VAL : k == BUMP_TEL_STR ? RTE_TEL_STRING_VAL :
	       RTE_TEL_INT_VAL;
}

/* DPDK's add functions return a positive E2BIG when they cut a string: not an error. */
static int bmp_tel_ret(int ret)
{
	return ret < 0 ? ret : 0;
}

static int bmp_tel_open(void *ctx, const char *key, enum bump_tel_kind kind, enum bump_tel_kind elem)
{
	struct bmp_tel *c = ctx;
	struct rte_tel_data *d;

	if (c->depth == 0 || c->depth == BUMP_TEL_DEPTH_MAX || !key)
		return -EINVAL;  /* the reply itself is opened by bmp_tel_cmd */
	d = rte_tel_data_alloc();
	if (!d)
		return -ENOMEM;
	if (kind == BUMP_TEL_DICT)
		rte_tel_data_start_dict(d);
	else
		rte_tel_data_start_array(d, bmp_tel_type(elem));
	c->lvl[c->depth].d = d;
	strlcpy(c->lvl[c->depth].key, key, sizeof(c->lvl[0].key));
	c->depth++;
	return 0;
}

static int bmp_tel_close(void *ctx)
{
	struct bmp_tel *c = ctx;
	int ret;

	if (c->depth <= 1) {
		c->depth = 0;
		return 0;
	}
	c->depth--;
	ret = rte_tel_data_add_dict_container(c->lvl[c->depth - 1].d, c->lvl[c->depth].key,
					      c->lvl[c->depth].d, 0);
	if (ret < 0)
		rte_tel_data_free(c->lvl[c->depth].d);
	return bmp_tel_ret(ret);
}

static int bmp_tel_add_int(void *ctx, const char *key, int v)
{
	struct bmp_tel *c = ctx;
	struct rte_tel_data *d = c->lvl[c->depth - 1].d;

	return bmp_tel_ret(key ? rte_tel_data_add_dict_int(d, key, v) : rte_tel_data_add_array_int(d, v));
}

static int bmp_tel_add_u64(void *ctx, const char *key, uint64_t v)
{
	struct bmp_tel *c = ctx;
	struct rte_tel_data *d = c->lvl[c->depth - 1].d;

	return bmp_tel_ret(key ? rte_tel_data_add_dict_u64(d, key, v) : rte_tel_data_add_array_u64(d, v));
}

static int bmp_tel_add_str(void *ctx, const char *key, const char *v)
{
	struct bmp_tel *c = ctx;
	struct rte_tel_data *d = c->lvl[c->depth - 1].d;

	return bmp_tel_ret(key ? rte_tel_data_add_dict_string(d, key, v) :
				 rte_tel_data_add_array_string(d, v));
}

static const struct bump_tel_ops bmp_tel_ops = {
	.add_int = bmp_tel_add_int,
	.add_u64 = bmp_tel_add_u64,
	.add_str = bmp_tel_add_str,
	.open = bmp_tel_open,
	.close = bmp_tel_close,
};

/* The reply's own container is @d; its first open only starts it. */
static int bmp_tel_open_root(void *ctx, const char *key, enum bump_tel_kind kind,
			     enum bump_tel_kind elem)
{
	struct bmp_tel *c = ctx;

	(void)key;
	if (c->depth)
		return bmp_tel_open(ctx, key, kind, elem);
	if (kind == BUMP_TEL_DICT)
		rte_tel_data_start_dict(c->lvl[0].d);
	else
		rte_tel_data_start_array(c->lvl[0].d, bmp_tel_type(elem));
	c->depth = 1;
	return 0;
}

static int bmp_tel_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct bump_tel_ops ops = bmp_tel_ops;
	struct bmp_tel c = { .lvl[0].d = d };
	struct bump_tel t = { .ops = &ops, .ctx = &c };
	int ret;

	ops.open = bmp_tel_open_root;
	ret = bump_tel_call(cmd, params, &t);
	/* Containers opened and never attached (an error midway) are ours to free. */
	while (c.depth > 1)
		rte_tel_data_free(c.lvl[--c.depth].d);
	return ret ? -1 : 0;
}

RTE_INIT(bmp_tel_register)
{
	unsigned n;
	const struct bump_tel_cmd *cmds = bump_tel_cmds(&n);

	for (unsigned i = 0; i < n; i++)
		if (rte_telemetry_register_cmd(cmds[i].name, bmp_tel_cmd, cmds[i].help))
			BMP_LOG(WARNING, "telemetry command %s not registered\n", cmds[i].name);
}
