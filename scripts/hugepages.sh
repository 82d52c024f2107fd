#!/bin/sh
# Reserve 2 MiB hugepages and mount hugetlbfs, as DPDK's dpdk-hugepages.py
# does.  Usage: hugepages.sh [COUNT]   (default 256 pages, 512 MiB; 0 frees them)
# Without root it only says what it would need; bump then falls back to
# 4 KiB pages with one warning.
set -u
count=${1:-256}
sysfs=/proc/sys/vm/nr_hugepages

if [ "$(id -u)" != 0 ]; then
	echo "hugepages: not root: bump will use 4 KiB pages (run as root: $0 $count)" >&2
	exit 0
fi
if ! echo "$count" > "$sysfs" 2>/dev/null; then
	echo "hugepages: cannot write $sysfs: bump will use 4 KiB pages" >&2
	exit 0
fi
got=$(cat "$sysfs")
[ "$got" -lt "$count" ] && echo "hugepages: asked for $count, the kernel gave $got" >&2
if [ "$count" -gt 0 ] && ! grep -q '^hugetlbfs /dev/hugepages ' /proc/mounts; then
	mkdir -p /dev/hugepages && mount -t hugetlbfs -o pagesize=2M nodev /dev/hugepages 2>/dev/null ||
		echo "hugepages: could not mount hugetlbfs on /dev/hugepages (memfd is used instead)" >&2
fi
echo "hugepages: $got x 2 MiB reserved"
