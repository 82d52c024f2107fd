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
