/* SPDX-License-Identifier: MIT */
/*
 * bump_netdev.c - a kernel interface's MAC, MTU and link, for the drivers
 * that sit on one (bump_netdev.h).
 */
#include "bump_netdev.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

int bump_netdev_name(const char *drv, const char *val, char ifname[IF_NAMESIZE])
{
	if (strlen(val) >= IF_NAMESIZE)
		return bump_error(EINVAL, "%s: interface name '%s' is longer than %d characters", drv,
				  val, IF_NAMESIZE - 1);
	strcpy(ifname, val);
	return 0;
}

int bump_netdev_index(const char *drv, const char *ifname, unsigned *ifindex)
{
	int err;

	*ifindex = if_nametoindex(ifname);
	if (*ifindex)
		return 0;
	err = errno;
	if (err == ENODEV || err == ENXIO)
		return bump_error(ENODEV, "%s: no network interface '%s' in this network namespace "
				  "('ip link show' lists them; run in the namespace that holds it, "
				  "e.g. 'ip netns exec NS ...')", drv, ifname);
	return bump_error(err, "%s: looking up interface '%s': %s", drv, ifname, strerror(err));
}

int bump_netdev_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = 0;

	if (fd < 0)
		return -errno;
	memset(ifr->ifr_name, 0, sizeof(ifr->ifr_name));
	memcpy(ifr->ifr_name, ifname, strnlen(ifname, IF_NAMESIZE - 1));
	if (ioctl(fd, req, ifr) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

int bump_netdev_ethtool(const char *ifname, void *cmd)
{
	struct ifreq ifr = { .ifr_data = cmd };

	return bump_netdev_ioctl(ifname, SIOCETHTOOL, &ifr);
}

int bump_netdev_mac_mtu(const char *drv, const char *ifname, uint8_t mac[6], uint16_t *mtu)
{
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	ret = bump_netdev_ioctl(ifname, SIOCGIFHWADDR, &ifr);
	if (ret)
		return bump_error(-ret, "%s: reading the MAC address of %s: %s", drv, ifname,
				  strerror(-ret));
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	memset(&ifr, 0, sizeof(ifr));
	ret = bump_netdev_ioctl(ifname, SIOCGIFMTU, &ifr);
	if (ret)
		return bump_error(-ret, "%s: reading the MTU of %s: %s", drv, ifname,
				  strerror(-ret));
	*mtu = (uint16_t)BUMP_MIN(ifr.ifr_mtu, UINT16_MAX);
	return 0;
}

int bump_netdev_link(const char *drv, const char *ifname, struct bump_port_link *link)
{
	struct ethtool_cmd cmd = { .cmd = ETHTOOL_GSET };
	struct ifreq ifr;
	int ret;

	memset(&ifr, 0, sizeof(ifr));
	ret = bump_netdev_ioctl(ifname, SIOCGIFFLAGS, &ifr);
	if (ret)
		return bump_error(-ret, "%s: reading the flags of %s: %s", drv, ifname,
				  strerror(-ret));
	/* IFF_RUNNING is the operational state: carrier up, not just admin up. */
	link->up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	link->full_duplex = true;
	link->speed_mbps = 0;
	/* Speed and duplex are optional: virtual interfaces may not report them. */
	if (bump_netdev_ethtool(ifname, &cmd) == 0) {
		uint32_t speed = ethtool_cmd_speed(&cmd);

		link->speed_mbps = speed == (uint32_t)SPEED_UNKNOWN ? 0 : speed;
		link->full_duplex = cmd.duplex != DUPLEX_HALF;
	}
	return 0;
}
