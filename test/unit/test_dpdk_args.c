/* SPDX-License-Identifier: MIT */
/*
 * The dpdk: port driver's devargs, "<DPDK devargs>[;rx=MODE]" (dpdk_args.c).
 * Devargs too long for the driver's 256-byte buffer used to be cut to 255
 * characters silently (DPDK then probed what was left); now they are
 * refused, saying so.
 */
#include "bump_test.h"
#include "dpdk_args.h"

static void test_dpdk_args_modes(void)
{
	char dev[DPDK_DEVARGS_MAX];
	enum dpdk_rx_mode mode;

	CHECK_EQ(dpdk_args_parse("net_ring0", 1, dev, &mode), 0);
	CHECK(!strcmp(dev, "net_ring0") && mode == DPDK_RX_AUTO);
	CHECK_EQ(dpdk_args_parse("net_af_xdp0,iface=v0;rx=copy", 1, dev, &mode), 0);
	CHECK(!strcmp(dev, "net_af_xdp0,iface=v0") && mode == DPDK_RX_COPY);
	CHECK_EQ(dpdk_args_parse("net_null0;rx=zerocopy", 1, dev, &mode), 0);
	CHECK_EQ(mode, DPDK_RX_ZEROCOPY);
	CHECK_EQ(dpdk_args_parse("net_null0;", 1, dev, &mode), 0);
	CHECK_EQ(mode, DPDK_RX_AUTO);
}

static void test_dpdk_args_bad(void)
{
	char dev[DPDK_DEVARGS_MAX], args[400];
	enum dpdk_rx_mode mode;

	CHECK_EQ(dpdk_args_parse("", 2, dev, &mode), -EINVAL);
	CHECK_ERROR_SAYS("no device");
	CHECK_EQ(dpdk_args_parse(";rx=copy", 2, dev, &mode), -EINVAL);
	CHECK_EQ(dpdk_args_parse("net_ring0;rx=fast", 2, dev, &mode), -EINVAL);
	CHECK_ERROR_SAYS("rx=auto, rx=zerocopy or rx=copy");
	/* bump's options go through lib/port's devargs parser: its refusals. */
	CHECK_EQ(dpdk_args_parse("net_ring0;rx=copy,rx=auto", 2, dev, &mode), -EINVAL);
	CHECK_ERROR_SAYS("'rx' is given twice");
	CHECK_EQ(dpdk_args_parse("net_ring0;speed=1", 2, dev, &mode), -EINVAL);
	CHECK_ERROR_SAYS("unknown devargs key 'speed'");
	memset(args, 'a', sizeof(args) - 1);
	args[sizeof(args) - 1] = '\0';
	CHECK_EQ(dpdk_args_parse(args, 2, dev, &mode), -EINVAL);
	CHECK_ERROR_SAYS("399 characters");
	args[DPDK_DEVARGS_MAX - 1] = '\0';
	CHECK_EQ(dpdk_args_parse(args, 2, dev, &mode), 0);
	CHECK_EQ(strlen(dev), DPDK_DEVARGS_MAX - 1);
}

int main(void)
{
	TEST_RUN(test_dpdk_args_modes);
	TEST_RUN(test_dpdk_args_bad);
	return test_exit();
}
