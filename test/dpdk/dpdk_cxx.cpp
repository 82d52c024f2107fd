// SPDX-License-Identifier: MIT
//
// dpdk_cxx.cpp - a C++ DPDK program built against the installed packages
// only (`pkg-config --cflags --libs libdpdk`; it includes nothing of bump)
// that runs on the installed mempool plugin: EAL loads it with -d, the
// program asks for it by name.  It makes an mbuf pool on "bump" with
// rte_pktmbuf_pool_create_by_ops(), takes every mbuf (RAII holders, a
// std::vector), writes and reads back data, chains, clones and copies
// packets, frees them, and checks the pool's counts exactly at each step.
//
//   dpdk_cxx <EAL args> -- [MBUFS]
//
// Exit 0 when every check passed; each failure says what.
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

namespace {

unsigned failures;

void check(bool ok, const std::string &what)
{
	if (!ok) {
		failures++;
		std::fprintf(stderr, "dpdk_cxx: FAIL %s\n", what.c_str());
	}
}

struct pool_free {
	void operator()(rte_mempool *mp) const { rte_mempool_free(mp); }
};
struct mbuf_free {
	void operator()(rte_mbuf *m) const { rte_pktmbuf_free(m); }
};
using pool_ptr = std::unique_ptr<rte_mempool, pool_free>;
using mbuf_ptr = std::unique_ptr<rte_mbuf, mbuf_free>;

void check_counts(rte_mempool *mp, unsigned out, const char *step)
{
	unsigned avail = rte_mempool_avail_count(mp), in_use = rte_mempool_in_use_count(mp);

	check(in_use == out && avail == mp->size - out,
	      std::string(step) + ": avail " + std::to_string(avail) + ", in use " +
		      std::to_string(in_use) + ", want " + std::to_string(out) + " in use");
}

// Every mbuf of the pool at once, each with its own data, then all freed.
void take_all(rte_mempool *mp)
{
	std::vector<mbuf_ptr> held;

	for (rte_mbuf *m; (m = rte_pktmbuf_alloc(mp)) != nullptr;) {
		held.emplace_back(m);
		char *p = rte_pktmbuf_append(m, sizeof(uint32_t));
		uint32_t seq = static_cast<uint32_t>(held.size());

		check(p != nullptr, "append to mbuf " + std::to_string(seq));
		if (p)
			std::memcpy(p, &seq, sizeof(seq));
	}
	check(held.size() == mp->size,
	      "took " + std::to_string(held.size()) + " of " + std::to_string(mp->size) + " mbufs");
	check_counts(mp, static_cast<unsigned>(held.size()), "every mbuf taken");
	for (size_t i = 0; i < held.size(); i++) {
		uint32_t seq;

		std::memcpy(&seq, rte_pktmbuf_mtod(held[i].get(), const char *), sizeof(seq));
		check(seq == i + 1, "mbuf " + std::to_string(i + 1) + " holds " + std::to_string(seq));
	}
	held.clear();
	check_counts(mp, 0, "every mbuf freed");
}

// A two-segment packet, a clone of it (indirect mbufs of this pool) and a copy.
void chain_clone_copy(rte_mempool *mp)
{
	mbuf_ptr head(rte_pktmbuf_alloc(mp));
	rte_mbuf *tail = rte_pktmbuf_alloc(mp);

	check(head && tail, "two mbufs for a chain");
	if (!head || !tail) {
		rte_pktmbuf_free(tail);
		return;
	}
	std::memset(rte_pktmbuf_append(head.get(), 100), 0xab, 100);
	std::memset(rte_pktmbuf_append(tail, 200), 0xcd, 200);
	check(rte_pktmbuf_chain(head.get(), tail) == 0, "chain two mbufs");
	{
		mbuf_ptr clone(rte_pktmbuf_clone(head.get(), mp));
		mbuf_ptr copy(rte_pktmbuf_copy(head.get(), mp, 0, UINT32_MAX));

		check(clone && clone->pkt_len == 300 && clone->nb_segs == 2, "clone of the chain");
		check(copy && copy->pkt_len == 300, "copy of the chain");
		// The clone is one indirect mbuf per segment; the copy fits in one.
		check_counts(mp, 2 + (clone ? clone->nb_segs : 0) + (copy ? copy->nb_segs : 0),
			     "chain, clone and copy held");
		if (copy) {
			uint8_t buf;
			auto last = static_cast<const uint8_t *>(rte_pktmbuf_read(copy.get(), 299, 1, &buf));

			check(*rte_pktmbuf_mtod(copy.get(), uint8_t *) == 0xab && last && *last == 0xcd,
			      "the copy's data");
		}
	}
	check_counts(mp, 2, "the chain held, its clone and copy freed");
	head.reset();
	check_counts(mp, 0, "the chain freed");
}

}  // namespace

int main(int argc, char **argv)
{
	int n = rte_eal_init(argc, argv);
	unsigned mbufs = 4095;

	if (n < 0) {
		std::fprintf(stderr, "dpdk_cxx: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (argc - n - 1 > 0)
		mbufs = static_cast<unsigned>(std::stoul(argv[n + 1]));
	{
		pool_ptr mp(rte_pktmbuf_pool_create_by_ops("cxx_pool", mbufs, 256, 0,
							  RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY,
							  "bump"));
		if (!mp) {
			std::fprintf(stderr, "dpdk_cxx: no mbuf pool on bump's ops: %s (load the "
				     "plugin with EAL -d <path>/librte_mempool_bump.so)\n",
				     rte_strerror(rte_errno));
			rte_eal_cleanup();
			return 1;
		}
		check(std::strcmp(rte_mempool_get_ops(mp->ops_index)->name, "bump") == 0,
		      "the pool's ops are " + std::string(rte_mempool_get_ops(mp->ops_index)->name));
		check_counts(mp.get(), 0, "a new pool");
		take_all(mp.get());
		chain_clone_copy(mp.get());
		take_all(mp.get());
		std::printf("dpdk_cxx: %u mbufs on bump's ops from the installed plugin: %s\n",
			    mp->size, failures ? "FAIL" : "PASS");
	}
	rte_eal_cleanup();
	return failures ? 1 : 0;
}
