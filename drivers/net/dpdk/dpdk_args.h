/* SPDX-License-Identifier: MIT */
/*
 * dpdk_args.h - the dpdk: port driver's devargs, "<DPDK devargs>[;rx=MODE]",
 * parsed without DPDK (dpdk_args.c), so the fuzz build, which leaves DPDK
 * out, fuzzes this parser too (test/fuzz/fuzz_devargs.c).
 */
#ifndef DPDK_ARGS_H
#define DPDK_ARGS_H

#include <stddef.h>

enum dpdk_rx_mode { DPDK_RX_AUTO, DPDK_RX_ZEROCOPY, DPDK_RX_COPY };

#define DPDK_DEVARGS_MAX 256     /* DPDK's devargs, with their NUL */

/*
 * Split @args of port @bport into DPDK's devargs (to @devargs, DPDK_DEVARGS_MAX
 * bytes) and the driver's RX mode.  0, or -EINVAL with a message that says
 * what to write.
 */
int dpdk_args_parse(const char *args, unsigned bport, char *devargs, enum dpdk_rx_mode *mode);

#endif /* DPDK_ARGS_H */
