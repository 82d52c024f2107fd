#!/bin/sh
# SPDX-License-Identifier: MIT
# vfio_modules.sh lists what the guest loads, from the kernel's modinfo:
#   newer: a kernel laid out as Linux 6.2 and later (vfio_virqfd merged into
#          vfio, vfio on iommufd) with irqbypass built in, through a modinfo
#          that answers as such a kernel does: every module after its
#          dependencies, no vfio_virqfd, nothing built in;
#   installed: the installed kernel (the one the guest tests boot): every
#          module's dependencies come before it and its file exists.
set -u
here=$(dirname "$0")
work=$(mktemp -d "${TMPDIR:-/tmp}/bump-vfio-mods.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT INT TERM
failed=0

cat > "$work/modinfo" <<'EOM'
#!/bin/sh
# modinfo -k KVER -F filename|depends NAME, as Linux 6.2+ answers.
case "$5" in
iommufd) f=/m/iommufd.ko d= ;;
vfio) f=/m/vfio.ko d=iommufd ;;
irqbypass) f="(builtin)" d= ;;
vfio_iommu_type1) f=/m/vfio_iommu_type1.ko d=vfio ;;
vfio-pci-core) f=/m/vfio-pci-core.ko d=vfio,irqbypass ;;
vfio-pci) f=/m/vfio-pci.ko d=vfio-pci-core,vfio ;;
*) echo "modinfo: ERROR: Module $5 not found." >&2; exit 1 ;;
esac
[ "$4" = filename ] && echo "$f" || echo "$d"
EOM
chmod +x "$work/modinfo"
got=$(MODINFO=$work/modinfo sh "$here/vfio_modules.sh" 6.2-test | awk '{ printf "%s ", $1 }')
want="iommufd vfio vfio-pci-core vfio-pci vfio_iommu_type1 "
if [ "$got" = "$want" ]; then
	echo "ok newer"
else
	echo "not ok newer: got '$got', want '$want'"
	failed=1
fi

kver=$(ls -1 /lib/modules 2>/dev/null | sort -V | tail -n 1)
if ! command -v modinfo >/dev/null 2>&1 || [ -z "$kver" ]; then
	echo "skip installed: no modinfo or no /lib/modules (apt-get install kmod linux-image-amd64)"
elif ! list=$(sh "$here/vfio_modules.sh" "$kver"); then
	echo "skip installed: kernel $kver lacks a vfio module (the guest tests skip too)"
else
	seen=" " bad=
	while read -r m f; do
		[ -r "$f" ] || bad="$bad $m:no-file"
		for d in $(modinfo -k "$kver" -F depends "$m" | tr ',' ' '); do
			case "$seen" in *" $d "*) ;; *)
				case "$(modinfo -k "$kver" -F filename "$d")" in
				*builtin*) ;; *) bad="$bad $m-before-$d" ;; esac ;;
			esac
		done
		seen="$seen$m "
	done <<EOL
$list
EOL
	case "$seen" in *" vfio-pci "*) ;; *) bad="$bad no-vfio-pci" ;; esac
	if [ -z "$bad" ]; then
		echo "ok installed: $kver:$seen"
	else
		echo "not ok installed: $kver:$bad"
		failed=1
	fi
fi
# A skipped case prints 'skip CASE: why' (the summary lists it); the other ran.
[ $failed = 0 ]
