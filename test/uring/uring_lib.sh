# SPDX-License-Identifier: MIT
# uring_lib.sh - sourced by the uring test scripts: the namespace, veth and
# process helpers of test/afxdp/afxdp_lib.sh (same topology, same cleanup),
# with the skip checks of io_uring instead of AF_XDP.
. "$(dirname "$0")/../afxdp/afxdp_lib.sh"

uring_require() {
	[ "$(id -u)" = 0 ] || afxdp_skip "needs root (network namespaces, veth pairs, raw sockets)"
	command -v ip >/dev/null || afxdp_skip "needs iproute2's ip"
	d=$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)
	[ "$d" = 0 ] || afxdp_skip "io_uring is disabled (kernel.io_uring_disabled=$d)"
	for v in "$@"; do
		eval "p=\${$v:-}"
		[ -x "$p" ] || afxdp_skip "$v is not set: run through 'meson test --suite uring'"
	done
	ip netns add bmpprobe$$ 2>/dev/null || afxdp_skip "cannot create network namespaces here"
	ip netns del bmpprobe$$
	AFXDP_TMP=$(mktemp -d /tmp/bmp-uring.XXXXXX) || afxdp_fail "mktemp"
	trap afxdp_cleanup EXIT
	trap 'exit 130' INT TERM
}
