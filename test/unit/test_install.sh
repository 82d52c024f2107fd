#!/bin/sh
# meson install into a scratch root, then build and run a program against it
# with nothing but `pkg-config --cflags --libs libbump`.
set -eu
build=$1
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

meson install -C "$build" --destdir "$root" --no-rebuild --quiet >/dev/null
pc=$(find "$root" -name libbump.pc | head -n 1)
[ -n "$pc" ] || { echo "libbump.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$root"
flags=$(pkg-config --cflags --libs libbump)
echo "pkg-config: $flags"

cat > "$root/use_bump.c" <<'C'
#include <bump.h>
#include <stdio.h>

int main(void)
{
	struct bump_region_params rp = { .name = "pc", .size = 1 << 20, .numa_node = BUMP_NUMA_ANY,
					 .flags = BUMP_REGION_F_NO_HUGE };
	struct bump_region *r;
	struct bump_arena_params ap = { .name = "pc" };
	struct bump_arena *a;
	struct bump_pool_params pp = { .name = "pc", .nid = BUMP_NUMA_ANY };
	struct bump_pool *p;
	void *buf;

	if (bump_region_create(&rp, &r))
		return 1;
	ap.region = r;
	if (bump_arena_create(&ap, &a))
		return 1;
	pp.arena = a;
	if (bump_pool_create(&pp, &p) || !(buf = bump_pool_alloc(p)) || bump_put(buf))
		return 1;
	if (bump_pool_destroy(p) || bump_arena_destroy(a))
		return 1;
	bump_region_destroy(r);
	puts("installed libbump works");
	return 0;
}
C
# shellcheck disable=SC2086
cc -o "$root/use_bump" "$root/use_bump.c" $flags
# And statically, from the same pkg-config file.
# shellcheck disable=SC2086
cc -o "$root/use_bump_static" "$root/use_bump.c" $(pkg-config --cflags libbump) \
	"$(dirname "$(dirname "$pc")")/libbump.a" -lnuma -lpthread
LD_LIBRARY_PATH="$(dirname "$(dirname "$pc")")" "$root/use_bump"
"$root/use_bump_static"
# A C++ program against the installed headers (every one of them) and library.
incdir=$(dirname "$(find "$root" -path '*/include/bump/bump.h' | head -n 1)")
for h in "$incdir"/*.h; do echo "#include <$(basename "$h")>"; done > "$root/use_bump.cpp"
[ -s "$root/use_bump.cpp" ] || { echo "no headers installed under include/bump"; exit 1; }
cat >> "$root/use_bump.cpp" <<'CXX'
#include <cstdio>

int main()
{
	bump_region_params rp = {};
	bump_region *r = nullptr;

	rp.name = "cxx";
	rp.size = 1 << 20;
	rp.numa_node = BUMP_NUMA_ANY;
	rp.flags = BUMP_REGION_F_NO_HUGE;
	if (bump_region_create(&rp, &r))
		return 1;
	bump_region_destroy(r);
	std::puts("installed libbump works from C++");
	return 0;
}
CXX
# shellcheck disable=SC2086
c++ -std=c++17 -Wall -Werror -o "$root/use_bump_cxx" "$root/use_bump.cpp" $flags
LD_LIBRARY_PATH="$(dirname "$(dirname "$pc")")" "$root/use_bump_cxx"

# The drivers, installed: a program built with `pkg-config libbump-drivers`
# alone opens a sim generator and a sim sink and forwards between them, in C
# and in C++ (one source, valid in both).
cat > "$root/use_ports.c" <<'C'
#include <bump_port.h>
#include <bump_sim.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	struct bump_region_params rp;
	struct bump_arena_params ap;
	struct bump_pool_params pp;
	struct bump_rxq_conf rxc;
	struct bump_txq_conf txc;
	struct bump_region *r;
	struct bump_arena *a;
	struct bump_pool *pool;
	struct bump_port *gen, *sink;
	struct bump_port_stats st;
	struct bump_pkt pkts[32];
	unsigned long sent = 0;

	memset(&rp, 0, sizeof(rp));
	memset(&ap, 0, sizeof(ap));
	memset(&pp, 0, sizeof(pp));
	memset(&rxc, 0, sizeof(rxc));
	memset(&txc, 0, sizeof(txc));
	rp.name = "ports";
	rp.size = 8 << 20;
	rp.numa_node = BUMP_NUMA_ANY;
	rp.flags = BUMP_REGION_F_NO_HUGE;
	ap.name = "ports";
	pp.name = "gen-rxq0";
	pp.nid = BUMP_NUMA_ANY;
	if (bump_region_create(&rp, &r))
		return 1;
	ap.region = r;
	if (bump_arena_create(&ap, &a))
		return 1;
	pp.arena = a;
	if (bump_port_open("sim:mode=gen", &gen) || bump_port_open("sim:mode=sink", &sink))
		return 1;  /* "no driver named sim" is what this test exists for */
	pp.flags = BUMP_POOL_F_DMA_MAP;
	pp.dma_dev = bump_sim_dma_dev();
	if (bump_pool_create(&pp, &pool))
		return 1;
	rxc.pool = pool;
	if (bump_port_rxq_setup(gen, 0, &rxc) || bump_port_txq_setup(sink, 0, &txc) ||
	    bump_port_start(gen) || bump_port_start(sink))
		return 1;
	for (int pass = 0; pass < 100000 && sent < 10000; pass++) {
		uint16_t n = bump_port_rx_burst(gen, 0, pkts, 32);
		uint16_t k = bump_port_tx_burst(sink, 0, pkts, n);

		bump_pkt_free_bulk(pkts + k, n - k);
		sent += k;
	}
	if (bump_port_get_stats(sink, &st) || st.total.opackets != sent)
		return 1;
	if (bump_port_close(gen) || bump_port_close(sink) || bump_pool_destroy(pool) ||
	    bump_arena_destroy(a))
		return 1;
	bump_region_destroy(r);
	printf("installed drivers forward: %lu packets from sim gen to sim sink\n", sent);
	return sent >= 10000 ? 0 : 1;
}
C
pcd=$(dirname "$(find "$root" -name libbump-drivers.pc | head -n 1)")
[ -f "$pcd/libbump-drivers.pc" ] || { echo "libbump-drivers.pc was not installed"; exit 1; }
dflags=$(pkg-config --cflags --libs libbump-drivers)
echo "pkg-config libbump-drivers: $dflags"
# shellcheck disable=SC2086
cc -Wall -Werror -o "$root/use_ports" "$root/use_ports.c" $dflags
# shellcheck disable=SC2086
c++ -std=c++17 -Wall -Werror -x c++ -o "$root/use_ports_cxx" "$root/use_ports.c" $dflags
LD_LIBRARY_PATH="$(dirname "$(dirname "$pc")")" "$root/use_ports"
LD_LIBRARY_PATH="$(dirname "$(dirname "$pc")")" "$root/use_ports_cxx"
