/* SPDX-License-Identifier: MIT */
/*
 * bench_dpdk_mempool.c - rte_mempool get/put as a peer, with the "ring_mp_mc"
 * (DPDK's default) and "stack" handlers behind a per-lcore cache.
 *
 * A raw mempool is the lower bound of what DPDK pays per buffer: a get or a
 * put moves pointers between the lcore cache and the handler and never
 * touches an object, so unlike bump (a descriptor per buffer) or an mbuf (a
 * header per buffer) it keeps no per-buffer state at all: no refcount, no
 * owner, no way to tell a double free.
 */
#include "bench_dpdk.h"
#include "bench_glue.h"

#include <rte_errno.h>
#include <rte_mempool.h>

#include <stdlib.h>

#define BDM_BUF_SIZE 2048     /* an mbuf's data room */
#define BDM_ORDER2_SIZE 16384

struct bdm_ctx {
	struct bench_ctx b;  /* b.pool: the mempool */
	struct rte_mempool *mp;
};

/* ---- The allocator, as the patterns see it ---------------------------- */

static inline bool bdm_alloc(void *mp, void **bufs, unsigned n)
{
	return rte_mempool_get_bulk(mp, bufs, n) == 0;
}

static inline void bdm_put(void *mp, void *const *bufs, unsigned n)
{
	rte_mempool_put_bulk(mp, bufs, n);
}

static inline void *bdm_alloc1(void *mp)
{
	void *obj;

	return rte_mempool_get(mp, &obj) == 0 ? obj : NULL;
}

static inline void bdm_put1(void *mp, void *obj)
{
	rte_mempool_put(mp, obj);
}

static inline void *bdm_data(void *obj)
{
	return (char *)obj + BENCH_RX_HEADROOM;
}

static const struct bench_ops bdm_ops = {
	.alloc = bdm_alloc, .put = bdm_put, .alloc1 = bdm_alloc1, .put1 = bdm_put1,
	.data = bdm_data,
};

/* ---- Set-up and teardown ----------------------------------------------- */

static void bdm_teardown(void *ctx)
{
	struct bdm_ctx *c = ctx;

	if (!c)
		return;
	bench_ctx_release(&c->b, &bdm_ops);
	rte_mempool_free(c->mp);
	free(c);
}

/* A mempool of @elt_size objects on impl->variant, the handler's name. */
static struct bdm_ctx *bdm_setup(const struct bench_impl *impl, const struct bench_args *args,
				 unsigned elt_size, uint64_t *nbufs)
{
	const char *ops = impl->variant;
	struct bdm_ctx *c;
	char name[RTE_MEMPOOL_NAMESIZE];
	int ret;

	if (!bench_dpdk_ready())
		return NULL;
	c = bench_ctx_new(sizeof(*c), impl, args);
	if (!c)
		return NULL;
	bd_pool_name(name, sizeof(name), ops);
	c->mp = rte_mempool_create_empty(name, bd_pool_size(args), elt_size, BD_CACHE, 0,
					 SOCKET_ID_ANY, 0);
	if (!c->mp) {
		bench_set_error("rte_mempool_create_empty(%s): %s", ops, rte_strerror(rte_errno));
		goto err;
	}
	ret = rte_mempool_set_ops_byname(c->mp, ops, NULL);
	if (ret == 0)
		ret = rte_mempool_populate_default(c->mp);
	if (ret < 0) {
		bench_set_error("mempool on '%s': %s (is the mempool_%s driver installed?)", ops,
				rte_strerror(-ret), ops);
		goto err;
	}
	c->b.pool = c->mp;
	*nbufs = BENCH_BUFS_PER_RUN;
	return c;
err:
	bdm_teardown(c);
	return NULL;
}

BENCH_GLUE(bdm, struct bdm_ctx, c->mp, bdm_ops, bdm_setup, bdm_teardown,
	   BDM_BUF_SIZE, BDM_BUF_SIZE, BDM_ORDER2_SIZE,
	   bdm_ops, bd_b_enter, bd_b_leave)

/* DPDK has no fragment allocator: the nearest is a pool of fragment-sized objects. */
static void *bdm_frag_setup(const struct bench_impl *impl, const struct bench_args *args,
			    uint64_t *nbufs)
{
	return bdm_setup(impl, args, args->size, nbufs);
}

#define BDM_IMPLS(impl, ops)                            \
	BENCH_GLUE_ROWS(bdm, bdm_teardown, impl, ops),  \
	{ BENCH_W_FRAG, impl, bdm_frag_setup, bdm_owner_run, bdm_teardown, ops }

const struct bench_impl bench_mempool_impls[] = {
	BDM_IMPLS("mempool_ring", "ring_mp_mc"),
	BDM_IMPLS("mempool_stack", "stack"),
	{ 0 },
};
