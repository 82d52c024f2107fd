/* SPDX-License-Identifier: MIT */
/*
 * dpdk_args.c - the dpdk: port driver's devargs (dpdk_args.h), without DPDK.
 */
#include "dpdk_args.h"
#include "bump_common.h"
#include "bump_devargs.h"
#include "bump_log.h"

#include <errno.h>
#include <string.h>

#define DPDK_OPTS_USAGE "dpdk:<DPDK devargs>[;rx=auto|zerocopy|copy]"

/* bump's own options, after ';' (DPDK's devargs come before it). */
static int dpdk_args_opt(void *arg, const char *key, const char *val)
{
	static const char *const modes[] = {
		[DPDK_RX_AUTO] = "auto", [DPDK_RX_ZEROCOPY] = "zerocopy", [DPDK_RX_COPY] = "copy",
	};
	enum dpdk_rx_mode *mode = arg;

	if (strcmp(key, "rx"))
		return bump_devargs_unknown("dpdk", key, DPDK_OPTS_USAGE);
	for (unsigned m = 0; val && m < BUMP_ARRAY_SIZE(modes); m++)
		if (!strcmp(val, modes[m])) {
			*mode = (enum dpdk_rx_mode)m;
			return 0;
		}
	return bump_error(EINVAL, "dpdk: rx=%s: after ';' the driver takes rx=auto, rx=zerocopy "
			  "or rx=copy", val ? val : "");
}

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
	*mode = DPDK_RX_AUTO;
	return opts ? bump_devargs_parse("dpdk", opts + 1, NULL, DPDK_OPTS_USAGE, dpdk_args_opt, mode)
		    : 0;
}
