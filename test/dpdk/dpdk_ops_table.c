/* SPDX-License-Identifier: MIT */
/*
 * dpdk_ops_table.c - a DPDK plugin for tests: loaded with -d into any DPDK
 * program, it prints that process's rte_mempool ops table (index order)
 * when the process exits.  It registers no ops itself, so the table it
 * prints is the one the process has without it.  dpdk_ops_order.sh compares
 * dpdk-testpmd's table with and without bump's plugin, and dpdk-pdump's.
 *
 * At exit, not at load: every driver has registered by then, whatever hook
 * it registered from.  A process that crashes prints nothing.
 */
#include <stdio.h>

#include <rte_common.h>
#include <rte_mempool.h>

RTE_FINI(ops_table_print)
{
	fprintf(stderr, "ops table:");
	for (unsigned i = 0; i < rte_mempool_ops_table.num_ops; i++)
		fprintf(stderr, " %s", rte_mempool_ops_table.ops[i].name);
	fputc('\n', stderr);
}
