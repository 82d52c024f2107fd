/* SPDX-License-Identifier: MIT */
/*
 * bump_pci_sysfs.c - what sysfs says about a PCI function: IDs, the bound
 * driver, the IOMMU group and the other members of that group
 * (Documentation/ABI/testing/sysfs-bus-pci, sysfs-kernel-iommu_groups).
 */
#include "bump_pci.h"
#include "bump_log.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *pci_sysfs_root = "/sys";

void bump_pci_sysfs_set_root(const char *root)
{
	pci_sysfs_root = root ? root : "/sys";
}

void bump_pci_sysfs_path(const struct bump_pci_addr *addr, const char *leaf, char *buf,
			 size_t len)
{
	char a[BUMP_PCI_ADDR_LEN];

	if (!addr) {
		snprintf(buf, len, "%s/bus/pci/%s", pci_sysfs_root, leaf ? leaf : "");
		return;
	}
	bump_pci_addr_format(addr, a, sizeof(a));
	snprintf(buf, len, "%s/bus/pci/devices/%s%s%s", pci_sysfs_root, a, leaf ? "/" : "",
		 leaf ? leaf : "");
}

bool bump_pci_sysfs_exists(const struct bump_pci_addr *addr)
{
	char path[PATH_MAX];

	bump_pci_sysfs_path(addr, NULL, path, sizeof(path));
	return access(path, F_OK) == 0;
}

/* Read a sysfs attribute holding one number ("0x8086\n", "-1\n"). */
static int pci_read_num(const char *path, long *val)
{
	char buf[64], *end;
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n == 0)
		return -EIO;
	buf[n] = '\0';
	errno = 0;
	*val = strtol(buf, &end, 0);
	if (errno || end == buf)
		return -EIO;
	return 0;
}

int bump_pci_sysfs_ids(const struct bump_pci_addr *addr, struct bump_pci_ids *ids)
{
	static const char *const attr[] = { "vendor", "device", "subsystem_vendor",
					    "subsystem_device", "class" };
	long v[5];
	char path[PATH_MAX], a[BUMP_PCI_ADDR_LEN];

	for (unsigned i = 0; i < 5; i++) {
		int ret;

		bump_pci_sysfs_path(addr, attr[i], path, sizeof(path));
		ret = pci_read_num(path, &v[i]);
		if (ret) {
			bump_pci_addr_format(addr, a, sizeof(a));
			return bump_error(-ret, "pci %s: cannot read %s: %s; is %s a PCI device of this "
					  "machine? (lspci -D lists them)", a, path, strerror(-ret), a);
		}
	}
	ids->vendor = (uint16_t)v[0];
	ids->device = (uint16_t)v[1];
	ids->subsys_vendor = (uint16_t)v[2];
	ids->subsys_device = (uint16_t)v[3];
	ids->class_code = (uint32_t)v[4] & 0xffffff;
	return 0;
}

/* The last component of the link @path points to, into @buf ("" if no link). */
static int pci_link_name(const char *path, char *buf, size_t len)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *slash;

	if (n < 0) {
		buf[0] = '\0';
		return errno == ENOENT ? 0 : -errno;
	}
	target[n] = '\0';
	slash = strrchr(target, '/');
	n = snprintf(buf, len, "%s", slash ? slash + 1 : target);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int bump_pci_sysfs_driver(const struct bump_pci_addr *addr, char *buf, size_t len)
{
	char path[PATH_MAX];

	bump_pci_sysfs_path(addr, "driver", path, sizeof(path));
	return pci_link_name(path, buf, len);
}

int bump_pci_sysfs_iommu_group(const struct bump_pci_addr *addr)
{
	char path[PATH_MAX], name[64], *end;
	long group;
	int ret;

	bump_pci_sysfs_path(addr, "iommu_group", path, sizeof(path));
	ret = pci_link_name(path, name, sizeof(name));
	if (ret)
		return ret;
	if (!name[0])
		return -ENOENT;
	group = strtol(name, &end, 10);
	if (*end || group < 0 || group > INT_MAX)
		return -EIO;
	return (int)group;
}

int bump_pci_sysfs_group_devices(int group, char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t at = 0;
	int count = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%d/devices", pci_sysfs_root, group);
	d = opendir(path);
	if (!d)
		return -errno;
	buf[0] = '\0';
	while ((de = readdir(d)) != NULL) {
		struct bump_pci_addr a;
		char drv[64];

		if (de->d_name[0] == '.')
			continue;
		count++;
		drv[0] = '\0';
		if (bump_pci_addr_parse_quiet(de->d_name, &a) > 0 &&
		    bump_pci_sysfs_driver(&a, drv, sizeof(drv)))
			drv[0] = '\0';
		if (at < len)
			at += (size_t)snprintf(buf + at, len - at, "%s%s (%s)", count > 1 ? ", " : "",
					       de->d_name, drv[0] ? drv : "no driver");
	}
	closedir(d);
	return count;
}

int bump_pci_sysfs_numa_node(const struct bump_pci_addr *addr)
{
	char path[PATH_MAX];
	long v;

	bump_pci_sysfs_path(addr, "numa_node", path, sizeof(path));
	if (pci_read_num(path, &v))
		return -1;
	return v < 0 || v > INT_MAX ? -1 : (int)v;
}
