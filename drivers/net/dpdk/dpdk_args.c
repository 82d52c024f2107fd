/* SPDX-License-Identifier: MIT */
/*
 * dpdk_args.c - the dpdk: port driver's devargs (dpdk_args.h), without DPDK.
 */
#include "dpdk_args.h"
#include "bump_log.h"

#include <errno.h>
#include <string.h>

int dpdk_args_parse(const char *args, unsigned bport, char *devargs, enum dpdk_rx_mode *mode)
{
	const char *opts = strchr(args, ';');
	size_t len = opts ? (size_t)(opts - args) : strlen(args);

	if (!len)
		return bump_error(EINVAL, "dpdk port %u: no device: give DPDK devargs after 'dpdk:' "
				  "(dpdk:net_ring0, dpdk:net_af_xdp0,iface=eth0, dpdk:0000:03:00.0)",
				  bport);
	if (len >= DPDK_DEVARGS_MAX)
		return bump_error(EINVAL, "dpdk port %u: DPDK devargs of %zu characters: at most %d "
				  "fit (a cut one would name another device or option)", bport, len,
				  DPDK_DEVARGS_MAX - 1);
	memcpy(devargs, args, len);
	devargs[len] = '\0';
	opts = opts ? opts + 1 : NULL;
	if (!opts || !*opts || !strcmp(opts, "rx=auto"))
		*mode = DPDK_RX_AUTO;
	else if (!strcmp(opts, "rx=zerocopy"))
		*mode = DPDK_RX_ZEROCOPY;
	else if (!strcmp(opts, "rx=copy"))
		*mode = DPDK_RX_COPY;
	else
		return bump_error(EINVAL, "dpdk port %u: option '%s' is unknown: after ';' the "
				  "driver takes rx=auto, rx=zerocopy or rx=copy", bport, opts);
	return 0;
}
