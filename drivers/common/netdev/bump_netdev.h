/* SPDX-License-Identifier: MIT */
/*
 * bump_netdev.h - what a driver bound to a kernel interface (afxdp, uring's
 * AF_PACKET mode) asks the kernel about it: its MAC address and MTU, its
 * link, and ethtool commands.  Each call opens and closes a datagram
 * socket: control path only.
 */
#ifndef BUMP_NETDEV_H
#define BUMP_NETDEV_H

#include <stdint.h>

#include <net/if.h>

#include "bump_port.h"

/* Copy devargs value @val into @ifname (IF_NAMESIZE bytes), refusing a longer name. */
int bump_netdev_name(const char *drv, const char *val, char ifname[IF_NAMESIZE]);
/*
 * @ifname's index in the caller's network namespace: 0 or a negative errno
 * saying how to find the interface (no interface given, none by that name).
 */
int bump_netdev_index(const char *drv, const char *ifname, unsigned *ifindex);
/* ioctl(@req) on interface @ifname with @ifr (its name is filled in); 0 or -errno. */
int bump_netdev_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr);
/* SIOCETHTOOL with the ethtool command @cmd; 0 or -errno. */
int bump_netdev_ethtool(const char *ifname, void *cmd);
/* @ifname's MAC address and MTU; 0 or a negative errno reported for driver @drv. */
int bump_netdev_mac_mtu(const char *drv, const char *ifname, uint8_t mac[6], uint16_t *mtu);
/*
 * @ifname's link: up when administratively up with carrier; speed and
 * duplex from ethtool where the interface reports them (0 / full if not).
 */
int bump_netdev_link(const char *drv, const char *ifname, struct bump_port_link *link);

#endif /* BUMP_NETDEV_H */
