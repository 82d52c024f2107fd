/* SPDX-License-Identifier: MIT */
/*
 * bench_dpdk.h - what the DPDK peers share (bench_dpdk_eal.c implements it).
 */
#ifndef BENCH_DPDK_H
#define BENCH_DPDK_H

#include "bench_ctx.h"

/*
 * Every DPDK peer keeps a per-lcore cache of 256 objects, DPDK's usual
 * choice for mbuf pools (512 is the most it allows); page_pool's and bump's
 * owner caches hold 128.
 */
#define BD_CACHE 256

/* A name no live mempool has (mempools are named memzones). */
void bd_pool_name(char *buf, size_t len, const char *what);
/* Objects a pool needs so that @args never finds it dry: what the workload
 * holds, plus the hand-off ring, plus two lcore caches at their flush mark. */
unsigned bd_pool_size(const struct bench_args *args);
/* Thread B: pin, and register with EAL so that puts use a cache of B's own. */
int bd_b_enter(struct bench_xthread *x);
void bd_b_leave(void);

#endif /* BENCH_DPDK_H */
