/* SPDX-License-Identifier: MIT */
/*
 * fuzz_devargs.c - libFuzzer harness: every devargs parser the fuzz build
 * has (sim, afxdp, uring and vfio with its PCI address, all on lib/port's
 * key=value parser), fed the same string.  A
 * parser must return 0 or a negative errno with a message, never read or
 * write past the string or its output, and a parse that succeeds must give
 * values in their documented ranges.  The dpdk: driver's parser
 * (dpdk_args.c) needs no DPDK: it is built into this harness, though the
 * fuzz build leaves DPDK out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bump_pci.h"
#include "bump_vfio_bus.h"
#include "dpdk_args.h"
#include "sim_priv.h"
#ifdef BUMP_FUZZ_AFXDP
#include "afxdp.h"
#endif
#ifdef BUMP_FUZZ_URING
#include "uring.h"
#endif
#include "fuzz_common.h"

/* A failed parse says why. */
static void check_ret(int ret)
{
	FUZZ_ASSERT(ret <= 0);
	if (ret)
		FUZZ_ASSERT(bump_last_error()[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);  /* exactly the string: ASan sees any overread */
	struct sim_conf sc;
	struct bump_pci_addr addr;
	char pci[16];
	unsigned flags;
	int ret;

	if (!s)
		return 0;
	bump_log_set_handler(fuzz_log_quiet, NULL);
	memcpy(s, data, size);
	s[size] = '\0';

	bump_clear_error();
	ret = sim_args_parse(s, 3, &sc);
	check_ret(ret);
	if (!ret) {
		FUZZ_ASSERT(sc.mode <= SIM_MODE_SINK);
		FUZZ_ASSERT(sc.queues >= 1 && sc.queues <= BUMP_PORT_QUEUE_MAX);
		FUZZ_ASSERT(sc.peer >= -1 && sc.peer < BUMP_PORT_MAX);
		FUZZ_ASSERT(sc.size >= BUMP_FRAME_MIN && sc.size <= BUMP_FRAME_MAX);
		FUZZ_ASSERT(sc.flows >= 1 && !(sc.mac[0] & 1));
		FUZZ_ASSERT(sc.cpu < 0 || sc.thread);
	}

	bump_clear_error();
	ret = bump_vfio_parse_args(s, pci, sizeof(pci), &flags);
	check_ret(ret);
	if (!ret) {
		FUZZ_ASSERT(strlen(pci) < sizeof(pci));
		FUZZ_ASSERT((flags & ~(unsigned)BUMP_VFIO_F_NOIOMMU) == 0);
		/* The address vfio took is one a PCI parse accepts, whole. */
		FUZZ_ASSERT(bump_pci_addr_parse(pci, &addr) <= (int)strlen(pci));
	}
	/* The PCI parse returns the characters it took (options may follow), or an error. */
	bump_clear_error();
	ret = bump_pci_addr_parse(s, &addr);
	if (ret < 0)
		FUZZ_ASSERT(bump_last_error()[0] != '\0');
	else
		FUZZ_ASSERT((size_t)ret <= size && addr.dev <= 0x1f && addr.func <= 7);

	{
		char devargs[DPDK_DEVARGS_MAX];
		enum dpdk_rx_mode mode;

		bump_clear_error();
		ret = dpdk_args_parse(s, 3, devargs, &mode);
		check_ret(ret);
		if (!ret) {  /* DPDK gets the devargs whole, never cut */
			size_t n = strcspn(s, ";");

			FUZZ_ASSERT(n && strlen(devargs) == n && !memcmp(devargs, s, n));
			FUZZ_ASSERT(mode <= DPDK_RX_COPY);
		}
	}
#ifdef BUMP_FUZZ_AFXDP
	{
		struct afxdp_args aa;

		bump_clear_error();
		ret = afxdp_args_parse(s, &aa);
		check_ret(ret);
		if (!ret) {
			FUZZ_ASSERT(aa.ifname[0] && strlen(aa.ifname) < sizeof(aa.ifname));
			FUZZ_ASSERT(aa.queue < aa.nb_queues);
		}
	}
#endif
#ifdef BUMP_FUZZ_URING
	{
		struct uring_args ua;

		bump_clear_error();
		ret = uring_args_parse(s, &ua);
		check_ret(ret);
		if (!ret) {
			FUZZ_ASSERT(ua.mode == URING_MODE_UDP ? !ua.ifname[0] : ua.ifindex != 0);
			FUZZ_ASSERT(!ua.ring_size || !(ua.ring_size & (ua.ring_size - 1)));
		}
	}
#endif
	free(s);
	return 0;
}
