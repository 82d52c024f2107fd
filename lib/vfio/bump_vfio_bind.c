/* SPDX-License-Identifier: MIT */
/*
 * bump_vfio_bind.c - handing a PCI function to vfio-pci, as
 * `dpdk-devbind.py --bind=vfio-pci` does, and refusing to while the kernel
 * uses it: one of its network interfaces carries the default route, or is up
 * with an address.  Taking such a NIC away cuts the machine (or whoever
 * talks to that address) off, often the very ssh session that ran us.
 *
 * sysfs files (Documentation/ABI/testing/sysfs-bus-pci): driver/unbind,
 * driver_override, /sys/bus/pci/drivers_probe.  Routes come from
 * /proc/net/route and /proc/net/ipv6_route, addresses from getifaddrs().
 */
#include "bump_vfio.h"
#include "bump_log.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Does @ifname carry an IPv4 or IPv6 default route?  Which one, into @why. */
static bool vfio_bind_default_route(const char *ifname, char *why, size_t len)
{
	char line[512], dev[IF_NAMESIZE + 1], dst6[33];
	unsigned long dst, gw, mask;
	unsigned plen, flags;
	bool found = false;
	FILE *f = fopen("/proc/net/route", "re");

	/* Iface Destination Gateway Flags RefCnt Use Metric Mask ...: hex, network order. */
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%16s %lx %lx %x %*d %*d %*d %lx", dev, &dst, &gw, &flags,
			   &mask) == 5 && dst == 0 && mask == 0 && (flags & 1 /* RTF_UP */) && !strcmp(dev, ifname)) {
			struct in_addr a = { .s_addr = (in_addr_t)gw };
			char g[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &a, g, sizeof(g));
			snprintf(why, len, "the IPv4 default route (via %s)", g);
			found = true;
		}
	if (f)
		fclose(f);
	/* dst plen src plen next-hop metric refcnt use flags dev; RTF_REJECT marks "unreachable". */
	f = fopen("/proc/net/ipv6_route", "re");
	while (f && !found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%32s %x %*s %*x %*s %*x %*x %*x %x %16s", dst6, &plen, &flags,
			   dev) == 4 && plen == 0 && strspn(dst6, "0") == 32 && (flags & 1) &&
		    !(flags & 0x200) && !strcmp(dev, ifname)) {
			snprintf(why, len, "the IPv6 default route");
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

/* Is @ifname up with an address other than an IPv6 link-local one?  Which, into @why. */
static bool vfio_bind_address(const struct ifaddrs *list, const char *ifname, char *why,
			      size_t len)
{
	for (const struct ifaddrs *ifa = list; ifa; ifa = ifa->ifa_next) {
		char a[INET6_ADDRSTRLEN];
		const void *bin;

		if (!ifa->ifa_addr || strcmp(ifa->ifa_name, ifname) || !(ifa->ifa_flags & IFF_UP))
			continue;
		if (ifa->ifa_addr->sa_family == AF_INET) {
			bin = &((const struct sockaddr_in *)(const void *)ifa->ifa_addr)->sin_addr;
		} else if (ifa->ifa_addr->sa_family == AF_INET6) {
			const struct in6_addr *a6 =
				&((const struct sockaddr_in6 *)(const void *)ifa->ifa_addr)->sin6_addr;

			/* Every interface that is up has one: it carries no traffic of its own. */
			if (IN6_IS_ADDR_LINKLOCAL(a6))
				continue;
			bin = a6;
		} else {
			continue;
		}
		inet_ntop(ifa->ifa_addr->sa_family, bin, a, sizeof(a));
		snprintf(why, len, "up with address %s", a);
		return true;
	}
	return false;
}

/*
 * 0 when no interface listed in the sysfs directory @path is in use;
 * otherwise -EBUSY with the interface, what it carries and how to free it in
 * the message (logged as a warning and 0 when @force).
 */
static int vfio_bind_check_dir(const char *path, const struct ifaddrs *list, const char *name,
			       const char *driver, bool force)
{
	struct dirent *de;
	char why[128];
	int ret = 0;
	DIR *d = opendir(path);

	if (!d)
		return errno == ENOENT ? 0 : bump_error(errno, "vfio: %s: cannot list %s: %s", name,
							path, strerror(errno));
	while (!ret && (de = readdir(d)) != NULL) {
		const char *ifname = de->d_name;
		bool route;

		if (ifname[0] == '.')
			continue;
		route = vfio_bind_default_route(ifname, why, sizeof(why));
		if (!route && !vfio_bind_address(list, ifname, why, sizeof(why)))
			continue;
		if (force) {
			bump_log(BUMP_LOG_WARN, "vfio: %s is interface %s, %s %s: unbinding it "
				 "from %s anyway, as forced", name, ifname,
				 route ? "which carries" : "which is", why, driver);
			continue;
		}
		ret = bump_error(EBUSY, "vfio: %s is network interface %s, %s %s: it is in "
				 "use, and unbinding it from %s would take it away%s. Free it "
				 "first (%sip addr flush dev %s; ip link set %s down), or force "
				 "the unbind", name, ifname, route ? "which carries" : "which is",
				 why, driver, route ? " and cut this machine off its network" : "",
				 route ? (strstr(why, "IPv6") ? "ip -6 route del default; " :
					  "ip route del default; ") : "",
				 ifname, ifname);
	}
	closedir(d);
	return ret;
}

/*
 * The same for every interface of @addr: they sit in its "net" directory,
 * or, for a virtio device, in that of the virtio device on top of it
 * (virtio0/net), where dpdk-devbind.py looks too.
 */
static int vfio_bind_check_active(const struct bump_pci_addr *addr, const char *name,
				  const char *driver, bool force)
{
	char dir[PATH_MAX], path[PATH_MAX + 264];  /* dir/d_name/net */
	struct ifaddrs *list = NULL;
	struct dirent *de;
	int ret;
	DIR *d;

	if (getifaddrs(&list))
		return bump_error(errno, "vfio: %s: getifaddrs: %s", name, strerror(errno));
	bump_pci_sysfs_path(addr, NULL, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/net", dir);
	ret = vfio_bind_check_dir(path, list, name, driver, force);
	d = ret ? NULL : opendir(dir);
	while (d && !ret && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "virtio", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s/net", dir, de->d_name);
		ret = vfio_bind_check_dir(path, list, name, driver, force);
	}
	if (d)
		closedir(d);
	freeifaddrs(list);
	return ret;
}

static int vfio_bind_write(const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	if (n != (ssize_t)len) {
		int err = n < 0 ? errno : EIO;

		close(fd);
		return -err;
	}
	return close(fd) ? -errno : 0;
}

int bump_vfio_bind(const char *pci_addr, unsigned flags)
{
	char name[BUMP_PCI_ADDR_LEN], driver[64], path[PATH_MAX], probe[PATH_MAX];
	struct bump_pci_addr addr;
	int ret;

	if (!pci_addr)
		return bump_error(EINVAL, "bump_vfio_bind: pass a PCI address (0000:00:02.0)");
	ret = bump_pci_addr_parse(pci_addr, &addr);
	if (ret < 0)
		return ret;
	if (pci_addr[ret] != '\0')
		return bump_error(EINVAL, "vfio: '%s' has something after the PCI address", pci_addr);
	bump_pci_addr_format(&addr, name, sizeof(name));
	if (!bump_pci_sysfs_exists(&addr))
		return bump_error(ENODEV, "vfio: no PCI device %s on this machine (lspci -D lists "
				  "them; NICs are class 02)", name);
	ret = bump_pci_sysfs_driver(&addr, driver, sizeof(driver));
	if (ret)
		return bump_error(-ret, "vfio: %s: cannot read its driver link: %s", name,
				  strerror(-ret));
	if (!strcmp(driver, "vfio-pci"))
		return 0;
	bump_pci_sysfs_path(NULL, "drivers/vfio-pci", path, sizeof(path));
	if (access(path, F_OK))
		return bump_error(ENOENT, "vfio: %s: the vfio-pci driver is not loaded: modprobe "
				  "vfio-pci", name);
	if (driver[0]) {
		ret = vfio_bind_check_active(&addr, name, driver, flags & BUMP_VFIO_BIND_F_FORCE);
		if (ret)
			return ret;
		bump_pci_sysfs_path(&addr, "driver/unbind", path, sizeof(path));
		ret = vfio_bind_write(path, name);
		if (ret)
			return bump_error(-ret, "vfio: %s: cannot unbind it from %s (%s: %s)%s", name,
					  driver, path, strerror(-ret),
					  ret == -EACCES || ret == -EPERM ? ": run as root" : "");
	}
	/* driver_override makes vfio-pci, and only it, take the device at the probe. */
	bump_pci_sysfs_path(&addr, "driver_override", path, sizeof(path));
	bump_pci_sysfs_path(NULL, "drivers_probe", probe, sizeof(probe));
	ret = vfio_bind_write(path, "vfio-pci");
	if (!ret)
		ret = vfio_bind_write(probe, name);
	if (!ret)
		ret = bump_pci_sysfs_driver(&addr, driver, sizeof(driver));
	if (!ret && strcmp(driver, "vfio-pci"))
		ret = -ENODEV;
	if (ret) {
		/* Give it back to the kernel's driver rather than leave it with none. */
		if (vfio_bind_write(path, "\n") || vfio_bind_write(probe, name))
			bump_log(BUMP_LOG_WARN, "vfio: %s: could not hand it back to its kernel "
				 "driver", name);
		return bump_error(-ret, "vfio: %s: vfio-pci did not take it (%s); dmesg says why "
				  "(no IOMMU group: turn the IOMMU on with intel_iommu=on or "
				  "amd_iommu=on)", name, strerror(-ret));
	}
	bump_log(BUMP_LOG_INFO, "vfio: %s: bound to vfio-pci (to give it back: echo > %s; "
		 "echo %s > %s)", name, path, name, probe);
	return 1;
}
