/* SPDX-License-Identifier: MIT */
/*
 * dpdk_populate.c - a plain DPDK program (it knows nothing of bump) that
 * fills mempools of the ops EAL's --mbuf-pool-ops-name names the ways
 * rte_mempool's API offers besides rte_mempool_populate_default():
 *
 *   chunks  rte_mempool_populate_iova() with two chunks of its own memory,
 *           each sized for half the objects at DPDK's object size: the
 *           first gives half, and until the second no more can be got
 *   partial one such chunk only, objects out, then rte_mempool_free()
 *   virt4k  rte_mempool_populate_virt() over malloc'd memory in 4 KiB pages
 *   anon    rte_mempool_populate_anon()
 *   extbuf  rte_pktmbuf_pool_create_extbuf() with pinned external buffers
 *
 * then gets every object (all distinct, none more), puts them back and
 * frees the pool, checking rte_mempool_avail_count() at each step.
 *
 *   dpdk_populate <EAL args> -- OPS
 *
 * Exit 0 when every check passed on a pool of OPS, 1 otherwise; each
 * failure says what.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#define DPDK_CHECK_NAME "dpdk_populate"
#include "dpdk_check.h"

#define NOBJ 1000
#define ELT 2048

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;

	return x < y ? -1 : x > y;
}

/* Every populated object can be got once, no more; all go back. */
static void check_objects(struct rte_mempool *mp, const char *how)
{
	static void *objs[NOBJ + 1];
	unsigned n = mp->populated_size, got = 0;

	CHECK(rte_mempool_avail_count(mp) == n, "%s: avail %u, populated %u", how,
	      rte_mempool_avail_count(mp), n);
	while (got < n && rte_mempool_get(mp, &objs[got]) == 0)
		got++;
	CHECK(got == n, "%s: got %u of %u objects", how, got, n);
	CHECK(rte_mempool_get(mp, &objs[got]) != 0, "%s: got an object past the %u populated", how,
	      n);
	qsort(objs, got, sizeof(objs[0]), cmp_ptr);
	for (unsigned i = 1; i < got; i++)
		CHECK(objs[i] != objs[i - 1], "%s: object %p got twice", how, objs[i]);
	rte_mempool_put_bulk(mp, objs, got);
	CHECK(rte_mempool_avail_count(mp) == n, "%s: avail %u after the puts, populated %u", how,
	      rte_mempool_avail_count(mp), n);
}

static struct rte_mempool *empty_pool(const char *name, const char *ops, unsigned flags)
{
	struct rte_mempool *mp = rte_mempool_create_empty(name, NOBJ, ELT, 0, 0, SOCKET_ID_ANY, flags);

	if (!mp) {
		CHECK(0, "%s: rte_mempool_create_empty: %s", name, rte_strerror(rte_errno));
		return NULL;
	}
	if (rte_mempool_set_ops_byname(mp, ops, NULL)) {
		CHECK(0, "%s: no ops %s (give EAL -d <plugin>)", name, ops);
		rte_mempool_free(mp);
		return NULL;
	}
	return mp;
}

static void case_chunks(const char *ops)
{
	struct rte_mempool *mp = empty_pool("pop_chunks", ops, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	size_t half;
	char *mem;
	int r1, r2;

	if (!mp)
		return;
	/*
	 * Half the objects per chunk at DPDK's object size, plus the alignment
	 * populate takes; objects packed (NO_IOVA_CONTIG: none kept off a page end).
	 */
	half = (size_t)(mp->header_size + mp->elt_size + mp->trailer_size) * (NOBJ / 2) +
	       RTE_CACHE_LINE_SIZE;
	mem = rte_malloc("pop_chunks", 2 * half, RTE_CACHE_LINE_SIZE);
	CHECK(mem, "no memory for the chunks");
	if (!mem) {
		rte_mempool_free(mp);
		return;
	}
	r1 = rte_mempool_populate_iova(mp, mem, RTE_BAD_IOVA, half, NULL, NULL);
	CHECK(r1 == NOBJ / 2, "the first chunk (%zu bytes) gave %d objects, not %d", half, r1,
	      NOBJ / 2);
	if (r1 > 0)
		check_objects(mp, "after the first chunk");
	r2 = rte_mempool_populate_iova(mp, mem + half, RTE_BAD_IOVA, half, NULL, NULL);
	CHECK(r2 == NOBJ - r1, "the second chunk gave %d objects (%s), not the %d left", r2,
	      r2 < 0 ? strerror(-r2) : "", NOBJ - r1);
	CHECK(mp->populated_size == NOBJ, "populated %u of %d", mp->populated_size, NOBJ);
	check_objects(mp, "after both chunks");
	rte_mempool_free(mp);
	rte_free(mem);
	printf("chunks: %d + %d objects\n", r1, r2);
}

/* Freed after one chunk of two, with objects still out: nothing may crash or stay behind. */
static void case_partial(const char *ops)
{
	struct rte_mempool *mp = empty_pool("pop_partial", ops, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	void *objs[10];
	size_t half;
	char *mem;
	int r;

	if (!mp)
		return;
	half = (size_t)(mp->header_size + mp->elt_size + mp->trailer_size) * (NOBJ / 2) +
	       RTE_CACHE_LINE_SIZE;
	mem = rte_malloc("pop_partial", half, RTE_CACHE_LINE_SIZE);
	CHECK(mem, "no memory for the chunk");
	if (!mem) {
		rte_mempool_free(mp);
		return;
	}
	r = rte_mempool_populate_iova(mp, mem, RTE_BAD_IOVA, half, NULL, NULL);
	CHECK(r == NOBJ / 2, "the chunk gave %d objects, not %d", r, NOBJ / 2);
	CHECK(rte_mempool_get_bulk(mp, objs, 10) == 0, "10 objects of a half-populated pool");
	rte_mempool_put_bulk(mp, objs, 5);
	CHECK(rte_mempool_avail_count(mp) == (unsigned)r - 5, "avail %u, not %d",
	      rte_mempool_avail_count(mp), r - 5);
	rte_mempool_free(mp);
	rte_free(mem);
	printf("partial: freed with %d of %d objects populated, 5 out\n", r, NOBJ);
}

static void case_virt4k(const char *ops)
{
	struct rte_mempool *mp = empty_pool("pop_virt4k", ops, 0);
	size_t len = (size_t)NOBJ * 4096;  /* one object per 4 KiB page at worst */
	void *mem;
	int r;

	if (!mp)
		return;
	mem = aligned_alloc(4096, len);
	CHECK(mem, "no memory for the area");
	if (!mem) {
		rte_mempool_free(mp);
		return;
	}
	memset(mem, 0, len);
	r = rte_mempool_populate_virt(mp, mem, len, 4096, NULL, NULL);
	CHECK(r == NOBJ, "rte_mempool_populate_virt gave %d objects (%s), not %d", r,
	      r < 0 ? strerror(-r) : "", NOBJ);
	check_objects(mp, "virt4k");
	rte_mempool_free(mp);
	free(mem);
	printf("virt4k: %d objects\n", r);
}

static void case_anon(const char *ops)
{
	struct rte_mempool *mp = empty_pool("pop_anon", ops, 0);
	int r;

	if (!mp)
		return;
	r = rte_mempool_populate_anon(mp);
	CHECK(r == NOBJ, "rte_mempool_populate_anon gave %d objects, not %d: %s", r, NOBJ,
	      rte_strerror(rte_errno));
	check_objects(mp, "anon");
	rte_mempool_free(mp);
	printf("anon: %d objects\n", r);
}

static void case_extbuf(const char *ops)
{
	struct rte_pktmbuf_extmem ext = { .elt_size = ELT, .buf_len = (size_t)NOBJ * ELT };
	struct rte_mempool *mp;
	struct rte_mbuf *m;

	ext.buf_ptr = rte_malloc("pop_extbuf", ext.buf_len, 4096);
	CHECK(ext.buf_ptr, "no memory for the external buffers");
	if (!ext.buf_ptr)
		return;
	ext.buf_iova = rte_malloc_virt2iova(ext.buf_ptr);
	mp = rte_pktmbuf_pool_create_extbuf("pop_extbuf", NOBJ, 0, 0, ELT, SOCKET_ID_ANY, &ext, 1);
	CHECK(mp, "rte_pktmbuf_pool_create_extbuf: %s", rte_strerror(rte_errno));
	if (mp) {
		CHECK(!strcmp(rte_mempool_get_ops(mp->ops_index)->name, ops),
		      "the pool has ops %s, not %s (give EAL --mbuf-pool-ops-name)",
		      rte_mempool_get_ops(mp->ops_index)->name, ops);
		m = rte_pktmbuf_alloc(mp);
		CHECK(m && (char *)m->buf_addr >= (char *)ext.buf_ptr &&
		      (char *)m->buf_addr < (char *)ext.buf_ptr + ext.buf_len,
		      "an mbuf whose data is not in the external buffers");
		rte_pktmbuf_free(m);
		check_objects(mp, "extbuf");
		rte_mempool_free(mp);
	}
	rte_free(ext.buf_ptr);
	printf("extbuf: %u mbufs\n", NOBJ);
}

int main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);
	const char *ops;

	if (n < 0) {
		fprintf(stderr, "dpdk_populate: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (argc - n - 1 != 1) {
		fprintf(stderr, "usage: dpdk_populate <EAL args> -- OPS\n");
		return 2;
	}
	ops = argv[n + 1];
	case_chunks(ops);
	case_partial(ops);
	case_virt4k(ops);
	case_anon(ops);
	case_extbuf(ops);
	rte_eal_cleanup();
	printf("%s: %s\n", ops, failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
