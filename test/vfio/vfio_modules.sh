#!/bin/sh
# SPDX-License-Identifier: MIT
# vfio_modules.sh KVER [MODULE...] - the modules the guest loads to bind a
# NIC to vfio-pci (and the MODULEs named, a NIC's kernel driver), in load order (each after those it depends on), one
# "NAME FILENAME" per line; built-in modules are left out.  The list comes
# from the kernel's own modinfo, so it follows the kernel: vfio_virqfd is a
# module up to Linux 6.1 and part of vfio from 6.2.  vfio_iommu_type1 is
# named too: vfio asks for it by request_module, which the guest cannot do.
# Exits 1 saying which module is missing.  MODINFO overrides modinfo (the
# test gives it a newer kernel's answers).
set -eu
kver=$1
shift
modinfo=${MODINFO:-modinfo}
done_list=" "

visit() {
	local file deps d  # recursive: dash and bash keep these per call
	case "$done_list" in *" $1 "*) return 0 ;; esac
	file=$($modinfo -k "$kver" -F filename "$1" 2>/dev/null) || file=
	[ -n "$file" ] || { echo "kernel $kver has no module $1" >&2; exit 1; }
	deps=$($modinfo -k "$kver" -F depends "$1" 2>/dev/null || true)
	for d in $(echo "$deps" | tr ',' ' '); do
		visit "$d"
	done
	done_list="$done_list$1 "
	case "$file" in *builtin*) ;; *) echo "$1 $file" ;; esac
}
for root in vfio-pci vfio_iommu_type1 "$@"; do
	visit "$root"
done
