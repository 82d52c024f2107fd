// SPDX-License-Identifier: MIT
//
// test_cxx.cpp - every installed header compiles as C++ (C++17, the
// project's warnings) and the inline fast paths run from C++: a pool's
// single and bulk alloc and put, fragments, packet handles, the ring and
// the stats, with exact counts.  A C++ user's program, in short.
#include "bump.h"
#include "bump_dma.h"
#include "bump_log.h"
#include "bump_mem.h"
#include "bump_pci.h"
#include "bump_pkt.h"
#include "bump_port.h"
#include "bump_ring.h"
#include "bump_telemetry.h"
#include "bump_vfio.h"

#include <cstdio>
#include <vector>

static int failed;

#define EXPECT(cond)                                                          \
	do {                                                                  \
		if (!(cond)) {                                                \
			std::fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			failed++;                                             \
		}                                                             \
	} while (0)

int main()
{
	bump_region_params rp = {};
	bump_arena_params ap = {};
	bump_pool_params pp = {};
	bump_region *region = nullptr;
	bump_arena *arena = nullptr;
	bump_pool *pool = nullptr;

	rp.name = "cxx";
	rp.size = 4u << 20;
	rp.numa_node = BUMP_NUMA_ANY;
	rp.flags = BUMP_REGION_F_NO_HUGE;
	EXPECT(bump_region_create(&rp, &region) == 0);
	ap.name = "cxx";
	ap.region = region;
	EXPECT(bump_arena_create(&ap, &arena) == 0);
	pp.name = "cxx";
	pp.arena = arena;
	pp.nid = BUMP_NUMA_ANY;
	EXPECT(bump_pool_create(&pp, &pool) == 0);
	if (failed)
		return 1;

	// The inline single paths.
	void *one = bump_pool_alloc(pool);
	EXPECT(one != nullptr);
	EXPECT(bump_pool_owns(pool, one));
	EXPECT(bump_pool_put(pool, one) == 0);

	// Bulk, and packet handles freed through their references.
	std::vector<void *> bufs(64);
	EXPECT(bump_pool_alloc_bulk(pool, bufs.data(), 64) == 64);
	std::vector<bump_pkt> pkts(64);
	for (unsigned i = 0; i < 64; i++) {
		pkts[i] = bump_pkt{};
		pkts[i].ref = bump_pool_ref(pool, bufs[i]);
		pkts[i].off = 128;
		pkts[i].len = 60;
		EXPECT(bump_pkt_data(&pkts[i]) == static_cast<uint8_t *>(bufs[i]) + 128);
	}
	EXPECT(bump_pkt_free_bulk(pkts.data(), 32) == 0);
	EXPECT(bump_pool_put_bulk(pool, bufs.data() + 32, 32) == 0);

	bump_pool_stats s = {};
	bump_pool_get_stats(pool, &s);
	EXPECT(s.inflight == 0);
	EXPECT(s.alloc.fast == 65);

	// Fragments (the carved buffer counts in flight until the pool lets it go).
	unsigned size = 256;
	void *frag = bump_pool_alloc_frag(pool, &size);
	EXPECT(frag != nullptr && size == 256);
	EXPECT(bump_put(frag) == 0);

	// A telemetry reply through the builder's JSON writer.
	char json[4096];
	bump_tel_json j;
	bump_tel t;
	bump_tel_json_init(&t, &j, json, sizeof(json));
	EXPECT(bump_tel_call("/bump/page_pool/list", nullptr, &t) == 0 && j.done);

	// The ring.
	bump_ring *ring = nullptr;
	EXPECT(bump_ring_create(8, &ring) == 0);
	void *in[3] = { bufs[0], bufs[1], bufs[2] }, *out[3] = {};
	EXPECT(bump_ring_enqueue_burst(ring, in, 3) == 3);
	EXPECT(bump_ring_count(ring) == 3);
	EXPECT(bump_ring_dequeue_burst(ring, out, 3) == 3 && out[2] == bufs[2]);
	bump_ring_free(ring);

	EXPECT(bump_pool_destroy(pool) == 0);
	EXPECT(bump_arena_destroy(arena) == 0);
	bump_region_destroy(region);
	std::printf("%s\n", failed ? "not ok test_cxx" : "ok test_cxx");
	return failed ? 1 : 0;
}
