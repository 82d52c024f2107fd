/* SPDX-License-Identifier: MIT */
/*
 * afxdp_args.c - the devargs of an AF_XDP port, and what the kernel says
 * about its interface (index, queue count, MAC, MTU, link).
 *
 * Every check that can be made before a socket exists is made here, so a
 * typo in an interface name or a queue that is not there fails at open with
 * the fix, not at start with an errno from bind().  The ioctls run in the
 * caller's network namespace, which is where the socket will be bound.
 */
#include "afxdp.h"
#include "bump_devargs.h"
#include "bump_netdev.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ethtool.h>
#include <linux/sockios.h>

#define AFXDP_USAGE "afxdp:<ifname>[,queue=N][,mode=native|skb][,zc=auto|on|off]"

/* An ioctl on the interface, through a throwaway socket of the caller's namespace. */
/* Entries of /sys/class/net/<if>/queues named @prefix*; negative errno if unreadable. */
static int afxdp_sysfs_count_queues(const char *ifname, const char *prefix)
{
	char path[128];
	struct dirent *de;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	if (closedir(dir) < 0)
		return -errno;
	return n;
}

/*
 * Queues an AF_XDP socket may bind to: the kernel wants the id below both
 * the RX and the TX queue counts.  ethtool's channel counts first (what
 * `ethtool -l` shows); sysfs for drivers without get_channels.
 */
static int afxdp_queue_count(const char *ifname, uint32_t *count)
{
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	int rx, tx;

	if (bump_netdev_ethtool(ifname, &ch) == 0) {
		rx = (int)(ch.combined_count + ch.rx_count);
		tx = (int)(ch.combined_count + ch.tx_count);
		if (rx > 0 && tx > 0) {
			*count = (uint32_t)BUMP_MIN(rx, tx);
			return 0;
		}
	}
	rx = afxdp_sysfs_count_queues(ifname, "rx-");
	tx = afxdp_sysfs_count_queues(ifname, "tx-");
	if (rx < 0 || tx < 0)
		return bump_error(ENODEV, "afxdp: cannot count the queues of %s: ethtool has no "
				  "channel counts and /sys/class/net/%s/queues is unreadable (%s); "
				  "is sysfs mounted for this network namespace?", ifname, ifname,
				  strerror(-(rx < 0 ? rx : tx)));
	*count = (uint32_t)BUMP_MIN(rx, tx);
	return 0;
}

static int afxdp_parse_kv(void *arg, const char *key, const char *val)
{
	struct afxdp_args *a = arg;

	if (strcmp(key, "queue") == 0) {
		uint64_t v = 0;
		int ret = bump_devargs_uint("afxdp", key, val, 0, UINT32_MAX, &v);

		a->queue = (uint32_t)v;
		return ret;
	}
	if (strcmp(key, "mode") == 0) {
		if (strcmp(val, "native") == 0 || strcmp(val, "drv") == 0)
			a->mode = AFXDP_MODE_NATIVE;
		else if (strcmp(val, "skb") == 0 || strcmp(val, "generic") == 0)
			a->mode = AFXDP_MODE_SKB;
		else
			return bump_error(EINVAL, "afxdp: mode=%s: use mode=native (XDP in the driver) "
					  "or mode=skb (generic XDP, works on any interface)", val);
		return 0;
	}
	if (strcmp(key, "zc") == 0) {
		if (strcmp(val, "auto") == 0)
			a->zc = AFXDP_ZC_AUTO;
		else if (strcmp(val, "on") == 0 || strcmp(val, "1") == 0)
			a->zc = AFXDP_ZC_ON;
		else if (strcmp(val, "off") == 0 || strcmp(val, "0") == 0)
			a->zc = AFXDP_ZC_OFF;
		else
			return bump_error(EINVAL, "afxdp: zc=%s: use zc=auto, zc=on or zc=off", val);
		return 0;
	}
	if (strcmp(key, "iface") == 0) {
		return bump_netdev_name("afxdp", val, a->ifname);
	}
	return bump_devargs_unknown("afxdp", key, AFXDP_USAGE);
}

int afxdp_args_parse(const char *devargs, struct afxdp_args *a)
{
	uint32_t nq = 0;
	int ret;

	memset(a, 0, sizeof(*a));
	a->mode = AFXDP_MODE_NATIVE;
	a->zc = AFXDP_ZC_AUTO;
	ret = bump_devargs_parse("afxdp", devargs, "iface", AFXDP_USAGE, afxdp_parse_kv, a);
	if (ret)
		return ret;
	if (!a->ifname[0])
		return bump_error(EINVAL, "afxdp: no interface given (" AFXDP_USAGE ")");

	ret = bump_netdev_index("afxdp", a->ifname, &a->ifindex);
	if (ret)
		return ret;
	ret = afxdp_queue_count(a->ifname, &nq);
	if (ret)
		return ret;
	a->nb_queues = nq;
	if (a->queue >= nq)
		return bump_error(EINVAL, "afxdp: %s has no queue %" PRIu32 ": it has %" PRIu32
				  " queue%s ('ethtool -l %s'): use queue=0..%" PRIu32 ", or add "
				  "queues with 'ethtool -L %s combined N' (veth: numrxqueues and "
				  "numtxqueues at creation)", a->ifname, a->queue, nq,
				  nq == 1 ? "" : "s", a->ifname, nq - 1, a->ifname);
	return 0;
}

int afxdp_netdev_info(const struct afxdp_args *a, uint8_t mac[6], uint16_t *mtu)
{
	return bump_netdev_mac_mtu("afxdp", a->ifname, mac, mtu);
}

int afxdp_netdev_link(const struct afxdp_args *a, struct bump_port_link *link)
{
	return bump_netdev_link("afxdp", a->ifname, link);
}
