/* SPDX-License-Identifier: MIT */
/*
 * bench_dpdk_mbuf.c - rte_pktmbuf_alloc_bulk + rte_pktmbuf_free_bulk as a
 * peer: the DPDK operation a PMD's RX refill and TX completion actually use,
 * and so the one to hold bump's alloc+put against.
 *
 * Two pools: a standard pktmbuf pool (the 128-byte mbuf and its 2 KiB data
 * room in one object, "ring_mp_mc" behind a 256-object cache), and a pinned
 * external-buffer pool, whose data buffers live in memory this file maps
 * and registers with rte_extmem_register(): DPDK's nearest design to bump's,
 * metadata apart from data, but still a 128-byte mbuf per buffer (plus a
 * shared-info refcount beside it).
 */
#include "bench_dpdk.h"
#include "bench_glue.h"

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_memory.h>

#include <stdlib.h>
#include <sys/mman.h>

#define BDB_ORDER2_ROOM (16384 + RTE_PKTMBUF_HEADROOM)
#define BDB_EXT_PAGE 4096ul

struct bdb_ctx {
	struct bench_ctx b;  /* b.pool: the mempool of mbufs */
	struct rte_mempool *mp;
	void *ext;           /* the pinned data buffers (extbuf only) */
	size_t ext_len;
	bool ext_registered;
};

/* ---- The allocator, as the patterns see it ---------------------------- */

static inline bool bdb_alloc(void *mp, void **bufs, unsigned n)
{
	return rte_pktmbuf_alloc_bulk(mp, (struct rte_mbuf **)bufs, n) == 0;
}

static inline void bdb_put(void *mp, void *const *bufs, unsigned n)
{
	(void)mp;
	rte_pktmbuf_free_bulk((struct rte_mbuf **)bufs, n);
}

static inline void *bdb_alloc1(void *mp)
{
	return rte_pktmbuf_alloc(mp);
}

static inline void bdb_put1(void *mp, void *m)
{
	(void)mp;
	rte_pktmbuf_free(m);
}

static inline void *bdb_data(void *m)
{
	return rte_pktmbuf_mtod((struct rte_mbuf *)m, void *);
}

static const struct bench_ops bdb_ops = {
	.alloc = bdb_alloc, .put = bdb_put, .alloc1 = bdb_alloc1, .put1 = bdb_put1,
	.data = bdb_data,
};

/* ---- Set-up and teardown ----------------------------------------------- */

static void bdb_teardown(void *ctx)
{
	struct bdb_ctx *c = ctx;

	if (!c)
		return;
	bench_ctx_release(&c->b, &bdb_ops);
	rte_mempool_free(c->mp);
	if (c->ext_registered)
		rte_extmem_unregister(c->ext, c->ext_len);
	if (c->ext)
		munmap(c->ext, c->ext_len);
	free(c);
}

/* Map and register @n data buffers of @room bytes, and make the pool over them. */
static int bdb_create_extbuf(struct bdb_ctx *c, const char *name, unsigned n, uint16_t room)
{
	struct rte_pktmbuf_extmem ext;

	c->ext_len = ((size_t)n * room + BDB_EXT_PAGE - 1) & ~(BDB_EXT_PAGE - 1);
	c->ext = mmap(NULL, c->ext_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (c->ext == MAP_FAILED) {
		c->ext = NULL;
		bench_set_error("cannot map %zu bytes of external buffers", c->ext_len);
		return -1;
	}
	/* No IOVA table: no device will DMA here, DPDK only has to know the memory. */
	if (rte_extmem_register(c->ext, c->ext_len, NULL, 0, BDB_EXT_PAGE)) {
		bench_set_error("rte_extmem_register: %s", rte_strerror(rte_errno));
		return -1;
	}
	c->ext_registered = true;
	ext.buf_ptr = c->ext;
	ext.buf_iova = rte_eal_iova_mode() == RTE_IOVA_VA ? (rte_iova_t)(uintptr_t)c->ext
							  : RTE_BAD_IOVA;
	ext.buf_len = c->ext_len;
	ext.elt_size = room;
	c->mp = rte_pktmbuf_pool_create_extbuf(name, n, BD_CACHE, 0, room, SOCKET_ID_ANY, &ext, 1);
	if (!c->mp) {
		bench_set_error("rte_pktmbuf_pool_create_extbuf: %s", rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

/* impl->variant: NULL for a standard pool, "extbuf" for pinned external buffers. */
static struct bdb_ctx *bdb_setup(const struct bench_impl *impl, const struct bench_args *args,
				 uint16_t room, uint64_t *nbufs)
{
	unsigned n = bd_pool_size(args);
	char name[RTE_MEMPOOL_NAMESIZE];
	struct bdb_ctx *c;

	if (!bench_dpdk_ready())
		return NULL;
	c = bench_ctx_new(sizeof(*c), impl, args);
	if (!c)
		return NULL;
	bd_pool_name(name, sizeof(name), "mbuf");
	if (impl->variant) {
		if (bdb_create_extbuf(c, name, n, room))
			goto err;
	} else {
		c->mp = rte_pktmbuf_pool_create(name, n, BD_CACHE, 0, room, SOCKET_ID_ANY);
		if (!c->mp) {
			bench_set_error("rte_pktmbuf_pool_create: %s", rte_strerror(rte_errno));
			goto err;
		}
	}
	c->b.pool = c->mp;
	*nbufs = BENCH_BUFS_PER_RUN;
	return c;
err:
	bdb_teardown(c);
	return NULL;
}

BENCH_GLUE(bdb, struct bdb_ctx, c->mp, bdb_ops, bdb_setup, bdb_teardown,
	   RTE_MBUF_DEFAULT_BUF_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE, BDB_ORDER2_ROOM,
	   bdb_ops, bd_b_enter, bd_b_leave)

/* No fragments: an mbuf pool hands out whole buffers only. */
const struct bench_impl bench_mbuf_impls[] = {
	BENCH_GLUE_ROWS(bdb, bdb_teardown, "pktmbuf", NULL),
	BENCH_GLUE_ROWS(bdb, bdb_teardown, "pktmbuf_extbuf", "extbuf"),
	{ 0 },
};
