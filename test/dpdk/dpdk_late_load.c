/* SPDX-License-Identifier: MIT */
/*
 * dpdk_late_load.c - a DPDK program that loads bump's mempool plugin with
 * dlopen() after rte_eal_init(), when EAL's bus scan (where the plugin
 * registers its ops otherwise) is over: the "bump" ops must be there all the
 * same, and an mbuf pool on them must hand out and take back its mbufs.
 *
 *   dpdk_late_load PLUGIN EAL-ARGS...
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#define NB_MBUFS 1023
#define BURST 64

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : NULL;
	struct rte_mbuf *m[BURST];
	struct rte_mempool *mp;
	int ret = 1;

	if (!path) {
		fprintf(stderr, "usage: dpdk_late_load PLUGIN EAL-ARGS...\n");
		return 2;
	}
	argv[1] = argv[0];  /* EAL's argv: the program's name, then its arguments */
	if (rte_eal_init(argc - 1, argv + 1) < 0) {
		fprintf(stderr, "FAIL: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (!dlopen(path, RTLD_NOW)) {
		fprintf(stderr, "FAIL: dlopen %s: %s\n", path, dlerror());
		goto out;
	}
	mp = rte_pktmbuf_pool_create_by_ops("late", NB_MBUFS, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					    SOCKET_ID_ANY, "bump");
	if (!mp) {
		fprintf(stderr, "FAIL: no mbuf pool on the \"bump\" ops after a dlopen() past "
			"rte_eal_init(): %s\n", rte_strerror(rte_errno));
		goto out;
	}
	if (strcmp(rte_mempool_get_ops(mp->ops_index)->name, "bump")) {
		fprintf(stderr, "FAIL: the pool's ops are %s\n", rte_mempool_get_ops(mp->ops_index)->name);
	} else if (rte_pktmbuf_alloc_bulk(mp, m, BURST)) {
		fprintf(stderr, "FAIL: no %d mbufs from a fresh pool of %d\n", BURST, NB_MBUFS);
	} else {
		rte_pktmbuf_free_bulk(m, BURST);
		if (rte_mempool_avail_count(mp) != NB_MBUFS)
			fprintf(stderr, "FAIL: %u of %d mbufs back\n", rte_mempool_avail_count(mp),
				NB_MBUFS);
		else
			ret = 0;
	}
	rte_mempool_free(mp);
	if (!ret)
		printf("ok: the plugin loaded after rte_eal_init registered \"bump\" (index %d of %u)\n",
		       rte_mempool_ops_table.num_ops - 1, rte_mempool_ops_table.num_ops);
out:
	rte_eal_cleanup();
	return ret;
}
