/* SPDX-License-Identifier: MIT */
/*
 * uring_args.c - the devargs of a uring port, its socket, and what the
 * kernel says about its interface.
 *
 * Everything that can be checked before start is checked at open, so a
 * typo fails with the fix rather than with an errno from bind().
 */
#include "uring.h"
#include "bump_devargs.h"
#include "bump_netdev.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sock_diag.h>
#include <linux/sockios.h>

#define URING_USAGE "uring:<ifname>[,ring=N] or uring:udp=<addr:port>[,peer=<addr:port>][,ring=N]"
/* Socket receive buffer asked for: frames wait there while the poller is away. */
#define URING_SOCK_RCVBUF (8 << 20)

/* "a.b.c.d:port" into @sa. */
static int uring_parse_addr(const char *key, const char *val, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(val, ':');
	char *end;
	unsigned long port;

	if (!colon || (size_t)(colon - val) >= sizeof(host))
		return bump_error(EINVAL, "uring: %s=%s: give an IPv4 address and a port, "
				  "e.g. %s=127.0.0.1:9000", key, val, key);
	memcpy(host, val, (size_t)(colon - val));
	host[colon - val] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	if (errno || end == colon + 1 || *end || port > 65535 ||
	    inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return bump_error(EINVAL, "uring: %s=%s: not an IPv4 address and port, e.g. "
				  "%s=127.0.0.1:9000", key, val, key);
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

static int uring_parse_kv(void *arg, const char *key, const char *val)
{
	struct uring_args *a = arg;

	if (strcmp(key, "iface") == 0) {
		return bump_netdev_name("uring", val, a->ifname);
	}
	if (strcmp(key, "udp") == 0) {
		a->mode = URING_MODE_UDP;
		return uring_parse_addr(key, val, &a->local);
	}
	if (strcmp(key, "peer") == 0) {
		a->has_peer = true;
		return uring_parse_addr(key, val, &a->peer);
	}
	if (strcmp(key, "ring") == 0) {
		uint64_t v = 0;

		if (bump_devargs_uint("uring", key, val, 1, BUMP_URING_BUFRING_MAX, &v) || v & (v - 1))
			return bump_error(EINVAL, "uring: ring=%s: use a power of two up to %u",
					  val, BUMP_URING_BUFRING_MAX);
		a->ring_size = (uint32_t)v;
		return 0;
	}
	return bump_devargs_unknown("uring", key, URING_USAGE);
}

int uring_args_parse(const char *devargs, struct uring_args *a)
{
	int ret;

	memset(a, 0, sizeof(*a));
	ret = bump_devargs_parse("uring", devargs, "iface", URING_USAGE, uring_parse_kv, a);
	if (ret)
		return ret;
	if (a->mode == URING_MODE_UDP) {
		if (a->ifname[0])
			return bump_error(EINVAL, "uring: give an interface or udp=, not both ("
					  URING_USAGE ")");
		snprintf(a->name, sizeof(a->name), "udp %s:%u", inet_ntoa(a->local.sin_addr),
			 ntohs(a->local.sin_port));
		return 0;
	}
	if (a->has_peer)
		return bump_error(EINVAL, "uring: peer= goes with udp= (" URING_USAGE ")");
	if (!a->ifname[0])
		return bump_error(EINVAL, "uring: no interface given (" URING_USAGE ")");
	snprintf(a->name, sizeof(a->name), "%s", a->ifname);
	return bump_netdev_index("uring", a->ifname, &a->ifindex);
}

int uring_netdev_info(const struct uring_args *a, uint8_t mac[6], uint16_t *mtu)
{
	if (a->mode == URING_MODE_UDP) {
		/* Datagrams have no link layer: no MAC; the largest UDP payload. */
		memset(mac, 0, 6);
		*mtu = 65507;
		return 0;
	}
	return bump_netdev_mac_mtu("uring", a->ifname, mac, mtu);
}

int uring_netdev_link(const struct uring_args *a, struct bump_port_link *link)
{
	if (a->mode == URING_MODE_UDP) {
		*link = (struct bump_port_link){ .up = true, .full_duplex = true };  /* no carrier */
		return 0;
	}
	return bump_netdev_link("uring", a->ifname, link);
}

/* A deep receive queue: root may exceed net.core.rmem_max, others get what it allows. */
static void uring_socket_rcvbuf(int fd)
{
	int size = URING_SOCK_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		bump_log(BUMP_LOG_DEBUG, "uring: SO_RCVBUF: %m (the default queue is kept)");
}

static int uring_packet_socket(const struct uring_args *a, int fd)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)a->ifindex,
	};
	int one = 1;

	/* Frames other sockets send on the interface are not ours to forward. */
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0)
		return bump_error(errno, "uring: %s: PACKET_IGNORE_OUTGOING: %m (kernel 4.20+)",
				  a->ifname);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return bump_error(errno, "uring: binding a packet socket to %s: %m", a->ifname);
	return 0;
}

static int uring_udp_socket(const struct uring_args *a, int fd)
{
	if (bind(fd, (const struct sockaddr *)&a->local, sizeof(a->local)) < 0) {
		int err = errno;

		return bump_error(err, "uring: binding UDP %s: %s%s", a->name, strerror(err),
				  err == EADDRINUSE ? " (another socket has it: pick another port)" :
				  err == EADDRNOTAVAIL ? " (no interface of this namespace has "
				  "that address: 'ip addr' lists them)" : "");
	}
	if (a->has_peer && connect(fd, (const struct sockaddr *)&a->peer, sizeof(a->peer)) < 0)
		return bump_error(errno, "uring: connecting UDP %s to its peer: %m", a->name);
	return 0;
}

int uring_socket_open(const struct uring_args *a, int *out)
{
	int fd, ret;

	if (a->mode == URING_MODE_PACKET)
		fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	else
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;

		return bump_error(err, "uring: %s socket: %s%s", a->mode == URING_MODE_PACKET ?
				  "AF_PACKET" : "UDP", strerror(err),
				  err == EPERM ? " (raw frames need root or CAP_NET_RAW)" : "");
	}
	uring_socket_rcvbuf(fd);
	ret = a->mode == URING_MODE_PACKET ? uring_packet_socket(a, fd) : uring_udp_socket(a, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	*out = fd;
	return 0;
}

/* What the socket dropped for a full receive queue (sk_drops). */
uint64_t uring_socket_drops(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS];
	socklen_t len = sizeof(mem);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) < 0 ||
	    len <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}
