# SPDX-License-Identifier: MIT
# uring_lib.sh - sourced by the uring test scripts: the namespace, veth and
# process helpers of test/afxdp/afxdp_lib.sh (same topology, same cleanup),
# with the skip checks of io_uring instead of AF_XDP.
. "$(dirname "$0")/../afxdp/afxdp_lib.sh"

uring_require() {
	netns_require "network namespaces, veth pairs, raw sockets"
	d=$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)
	[ "$d" = 0 ] || test_skip "io_uring is disabled (kernel.io_uring_disabled=$d)"
	for v in "$@"; do
		eval "p=\${$v:-}"
		[ -x "$p" ] || test_skip "$v is not set: run through 'meson test --suite uring'"
	done
	NETNS_TMP=$(mktemp -d /tmp/bmp-uring.XXXXXX) || test_fail "mktemp"
	AFXDP_TMP=$NETNS_TMP
}
