#!/bin/sh
# SPDX-License-Identifier: MIT
#
# vfio_qemu.sh - boot the distribution kernel under QEMU (TCG, emulated
# intel-iommu) with one emulated NIC, bind it to vfio-pci inside the guest,
# run a bump program on it there, and drive it from the host with vfio_peer
# over QEMU's UDP socket netdev.  doc/vfio.md has the details.
#
#   vfio_qemu.sh --nic e1000e|virtio --scenario fwd|unbind|bogus|bump-fwd|in-use \
#                --guest PROG --peer PROG [--count N] [--keep]
#
# --guest is test/vfio/vfio_guest for fwd/unbind/bogus, bump-fwd for bump-fwd
# and in-use.  in-use leaves the NIC on its kernel driver, up with an address
# and the default route: bump-fwd must refuse to unbind it, naming the route,
# then the address, and bind it and forward with --force-unbind.  Exits 0 on success, 1 on failure, 77 (skipped) when this machine
# cannot run it (no QEMU, no kernel image, no busybox-static, ...), with why.
set -eu

nic= scenario= guest= peer= count=2000 keep=0
while [ $# -gt 0 ]; do
	case "$1" in
	--nic) nic=$2; shift 2 ;;
	--scenario) scenario=$2; shift 2 ;;
	--guest) guest=$2; shift 2 ;;
	--peer) peer=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	*) echo "vfio_qemu.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$nic" ] && [ -n "$scenario" ] && [ -n "$guest" ] && [ -n "$peer" ] || {
	echo "usage: vfio_qemu.sh --nic e1000e|virtio --scenario S --guest PROG --peer PROG" >&2
	exit 2
}

skip() { echo "SKIP: $*"; exit 77; }
PKGS="qemu-system-x86 linux-image-amd64 busybox-static cpio kmod"

# ---- What this machine must have ------------------------------------------
QEMU=$(command -v qemu-system-x86_64 || true)
[ -n "$QEMU" ] || skip "qemu-system-x86_64 is not installed (apt-get install -y $PKGS)"
for tool in cpio gzip modinfo readelf timeout; do
	command -v $tool >/dev/null 2>&1 || skip "$tool is not installed (apt-get install -y $PKGS binutils)"
done
BUSYBOX=
for b in /bin/busybox /usr/bin/busybox; do
	if [ -x "$b" ] && ! readelf -l "$b" 2>/dev/null | grep -q INTERP; then BUSYBOX=$b; break; fi
done
[ -n "$BUSYBOX" ] || skip "no statically linked busybox (apt-get install -y busybox-static)"
# The distribution kernel: an image in /boot whose modules are installed.
KVER=
for d in $(ls -1 /lib/modules 2>/dev/null | sort -V); do
	[ -r "/boot/vmlinuz-$d" ] && KVER=$d
done
[ -n "$KVER" ] || skip "no kernel image with modules (/boot/vmlinuz-* and /lib/modules/*): apt-get install -y linux-image-amd64"
[ -x "$guest" ] || { echo "FAIL: guest program $guest is missing"; exit 1; }
[ -x "$peer" ] || { echo "FAIL: peer program $peer is missing"; exit 1; }
guest_dynamic=0
if readelf -l "$guest" | grep -q INTERP; then
	# Only bump-fwd may come with its libraries; the guest program must be static.
	case "$scenario" in bump-fwd|in-use) ;; *) echo "FAIL: $guest is dynamically linked"; exit 1 ;; esac
	command -v ldd >/dev/null 2>&1 || skip "ldd is missing: cannot collect $guest's libraries"
	guest_dynamic=1
fi

case "$nic" in
e1000e) DEVICE="e1000e,romfile=,netdev=n0" KDRIVER=e1000e ;;
# iommu_platform=on: the device's DMA goes through the IOMMU (VIRTIO_F_ACCESS_PLATFORM);
# without it QEMU's virtio would bypass the IOMMU and read IOVAs as guest-physical addresses.
virtio) DEVICE="virtio-net-pci,disable-legacy=on,iommu_platform=on,romfile=,netdev=n0"
	KDRIVER="virtio_pci virtio_net"
	# refuse: a device that does not offer VIRTIO_F_ACCESS_PLATFORM must be turned down.
	[ "$scenario" = refuse ] && DEVICE="virtio-net-pci,disable-legacy=on,romfile=,netdev=n0" ;;
*) echo "vfio_qemu.sh: --nic is e1000e or virtio" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/bump-vfio.XXXXXX")
qpid=
cleanup() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null || true
	exec 3>&- 2>/dev/null || true
	[ "$keep" = 1 ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT INT TERM
t0=$(date +%s.%N)

# ---- The initramfs ----------------------------------------------------------
root=$work/root
mkdir -p "$root/bin" "$root/lib/modules" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp "$BUSYBOX" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
cp "$guest" "$root/bin/guest"
if [ $guest_dynamic = 1 ]; then
	# The loader and every library ldd resolves, at the same paths.
	for lib in $(ldd "$guest" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
fi
# The vfio modules this kernel has, in load order (vfio_modules.sh).
# in-use: the NIC's kernel driver too, which takes it at boot.
[ "$scenario" = in-use ] || KDRIVER=
# shellcheck disable=SC2086
mods=$(sh "$(dirname "$0")/vfio_modules.sh" "$KVER" $KDRIVER 2>"$work/modules.err") ||
	skip "$(cat "$work/modules.err") (this test needs the vfio modules)"
MODS=
while read -r m f; do
	case "$f" in
	*.ko) cp "$f" "$root/lib/modules/$m.ko" ;;
	*.ko.xz) xz -dc "$f" > "$root/lib/modules/$m.ko" || skip "cannot decompress $f (install xz-utils)" ;;
	*.ko.zst) zstd -dqc "$f" > "$root/lib/modules/$m.ko" || skip "cannot decompress $f (install zstd)" ;;
	*.ko.gz) gzip -dc "$f" > "$root/lib/modules/$m.ko" ;;
	*) skip "module $m is $f: unknown format" ;;
	esac
	MODS="$MODS $m"
done <<EOM
$mods
EOM

BIND=1
# bump-fwd runs until the host writes a line on the serial console.
FWD_RUN='/bin/guest --fwd macswap --port vfio:$nic --stats-period 0 $force & pid=$!
read -r line < /dev/console
kill -INT $pid; wait $pid'
case "$scenario" in
bump-fwd)
	RUN="force=; $FWD_RUN" ;;
in-use)
	# Each refusal prints "BUMP-CHECK: <what> refused"; the host wants both.
	BIND=0
	# A virtio NIC's interface hangs off its virtio device (virtio0/net).
	RUN='for n in $dev/net/* $dev/virtio*/net/*; do [ -e "$n" ] && ifc=${n##*/}; done
drv=$(basename $(readlink $dev/driver))
ip addr add 10.0.2.15/24 dev $ifc; ip link set $ifc up; ip route add default via 10.0.2.2 dev $ifc
refused() {
	/bin/guest --port vfio:$nic --duration 0.1 > /tmp/out 2>&1; rc=$?; cat /tmp/out
	grep -q "$2" /tmp/out && grep -q -- "--force-unbind to unbind it anyway" /tmp/out &&
		[ $rc = 1 ] && [ "$(basename $(readlink $dev/driver))" = "$drv" ] && echo "BUMP-CHECK: $1 refused"
}
refused route "is network interface $ifc, which carries the IPv4 default route (via 10.0.2.2)"
ip route del default
refused address "is network interface $ifc, which is up with address 10.0.2.15"
force=--force-unbind
'"$FWD_RUN" ;;
fwd|unbind|bogus)
	RUN="/bin/guest --port vfio:\$nic --scenario $scenario --timeout 100" ;;
refuse)
	[ "$nic" = virtio ] || { echo "vfio_qemu.sh: refuse is a virtio scenario" >&2; exit 2; }
	RUN="/bin/guest --port vfio:\$nic --scenario refuse --expect iommu_platform=on" ;;
*) echo "vfio_qemu.sh: unknown scenario $scenario" >&2; exit 2 ;;
esac

cat > "$root/init" <<EOF
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s /bin
export PATH=/bin
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $MODS; do
	[ -f /lib/modules/\$m.ko ] || continue
	insmod /lib/modules/\$m.ko || echo "BUMP-INIT: insmod \$m failed"
done
nic=
for d in /sys/bus/pci/devices/*; do
	case "\$(cat \$d/class)" in 0x02*) nic=\${d##*/}; break ;; esac
done
if [ -z "\$nic" ]; then echo "BUMP-RESULT: FAIL no network device in the guest"; poweroff -f; fi
dev=/sys/bus/pci/devices/\$nic
if [ $BIND = 1 ]; then
	[ -e \$dev/driver ] && echo \$nic > \$dev/driver/unbind
	echo vfio-pci > \$dev/driver_override
	echo \$nic > /sys/bus/pci/drivers_probe
fi
echo "BUMP-INIT: \$nic \$(cat \$dev/vendor):\$(cat \$dev/device) driver \$(basename \$(readlink \$dev/driver)) iommu group \$(basename \$(readlink \$dev/iommu_group))"
$RUN
echo "BUMP-EXIT: \$?"
echo "BUMP-DMAR-FAULTS: \$(dmesg | grep -c 'fault addr')"
dmesg | grep -i 'fault addr' | head -3
poweroff -f
EOF
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.cpio.gz"

# ---- Boot -------------------------------------------------------------------
# Two UDP ports per run, spread by PID so that concurrent runs do not collide.
base=$((20000 + ($$ * 2) % 40000))
rx_port=$base tx_port=$((base + 1))
mkfifo "$work/serial.in"
exec 3<>"$work/serial.in"
timeout 150 "$QEMU" -accel tcg -cpu max -M q35,kernel-irqchip=split -m 512 -smp 2 \
	-nographic -no-reboot -nodefaults -serial stdio \
	-device intel-iommu,intremap=on,caching-mode=on \
	-kernel "/boot/vmlinuz-$KVER" -initrd "$work/initramfs.cpio.gz" \
	-append "console=ttyS0 intel_iommu=on iommu=pt panic=-1 loglevel=4 hugepages=16" \
	-netdev "socket,id=n0,udp=127.0.0.1:$rx_port,localaddr=127.0.0.1:$tx_port" \
	-device "$DEVICE" < "$work/serial.in" > "$work/serial.log" 2>&1 &
qpid=$!

peer_args="--rx-port $rx_port --tx-port $tx_port --count $count --timeout 120"
case "$scenario" in
unbind) peer_args="$peer_args --hold 40" ;;
bogus) peer_args="$peer_args --lossy --loss-ms 400" ;;
esac
set +e
if [ "$scenario" = refuse ]; then
	echo "PEER: not needed (the port must not open)" > "$work/peer.log"; peer_rc=0
else
	"$peer" $peer_args > "$work/peer.log" 2>&1
	peer_rc=$?
fi
t_peer=$(date +%s.%N)
case "$scenario" in bump-fwd|in-use) echo stop >&3 ;; esac
# The guest powers off by itself; give it time for its checks.
[ "$scenario" = refuse ] && wait_s=1200 || wait_s=600
for _ in $(seq 1 $wait_s); do
	kill -0 "$qpid" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$qpid" 2>/dev/null; then
	echo "guest did not power off in time"; kill "$qpid"
fi
wait "$qpid"; qemu_rc=$?
qpid=
set -e
t1=$(date +%s.%N)

echo "---- guest serial (bump lines) ----"
grep -E 'BUMP-|vfio_guest|bump|e1000e|virtio|DMAR|fault|error|Error|Kernel panic' "$work/serial.log" | grep -v '^\[ *[0-9.]*\] *pci ' | tail -40 || true
echo "---- peer ----"
cat "$work/peer.log"
awk -v a="$t0" -v b="$t_peer" -v c="$t1" 'BEGIN { printf "TIME: total %.1f s (peer done at %.1f s)\n", c - a, b - a }'

ok=1
[ $peer_rc -eq 0 ] || { echo "FAIL: the peer failed ($peer_rc)"; ok=0; }
grep -q 'BUMP-EXIT: 0' "$work/serial.log" || { echo "FAIL: the guest program did not exit 0"; ok=0; }
grep -q 'BUMP-DMAR-FAULTS: 0' "$work/serial.log" || { echo "FAIL: the IOMMU reported DMA faults (or the guest did not finish)"; ok=0; }
case "$scenario" in
bump-fwd) ;;
in-use)
	for what in route address; do
		grep -q "BUMP-CHECK: $what refused" "$work/serial.log" ||
			{ echo "FAIL: bump-fwd did not refuse to unbind a NIC with the $what (exit 1, saying why and --force-unbind)"; ok=0; }
	done
	grep -q "unbinding it from .* anyway, as forced" "$work/serial.log" ||
		{ echo "FAIL: --force-unbind did not warn that it unbinds an interface in use"; ok=0; } ;;
*) grep -q 'BUMP-RESULT: ok' "$work/serial.log" || { echo "FAIL: no 'BUMP-RESULT: ok' from the guest"; ok=0; } ;;
esac
if [ "$scenario" = bogus ]; then
	# Lost frames are exactly those whose completion the hook corrupted (or fewer: a
	# corrupted probe or STOP costs no DATA frame).
	lost=$(sed -n 's/^PEER: sent .* lost \([0-9]*\) .*/\1/p' "$work/peer.log")
	corrupted=$(sed -n 's/.*BUMP-RESULT: .* corrupted=\([0-9]*\) .*/\1/p' "$work/serial.log")
	echo "bogus: peer lost ${lost:-?} frames, the hook corrupted ${corrupted:-?} completions"
	if [ -z "$lost" ] || [ -z "$corrupted" ] || [ "$lost" -gt "$corrupted" ]; then
		echo "FAIL: more frames lost than corrupted"; ok=0
	fi
fi
[ $ok = 1 ] && { echo "PASS: $nic $scenario"; exit 0; }
echo "---- full guest serial ----"; tail -80 "$work/serial.log"
exit 1
