/* SPDX-License-Identifier: MIT */
/*
 * vfio_guest.c - runs inside the QEMU guest (linked statically) on a NIC
 * bound to vfio-pci behind the emulated IOMMU.  It forwards what the host
 * peer sends back to it with the MAC addresses swapped, until a STOP frame,
 * then checks what the scenario is about and prints one result line:
 *
 *   fwd     every frame is returned; after stop no buffer is in flight, the
 *           pool destroys with none, every DMA mapping was undone once
 *   unbind  HOLD frames are kept; the port is closed and the pool destroyed
 *           while they are held: DMA is unmapped at once (maps == unmaps,
 *           the IOMMU holds nothing), the held bytes are still readable,
 *           and returning them afterwards frees the detached pool
 *   bogus   a test hook overwrites the length of every 32nd RX completion
 *           with one the driver must reject (too long, too short): each is
 *           dropped and counted in ierrors, no bad frame is delivered
 *   refuse  opening the port must fail, with a message containing --expect
 *           (virtio-net whose DMA would bypass the IOMMU)
 *
 * Output: "BUMP-READY" once the port is started, "BUMP-RESULT: ok ..." or
 * "BUMP-RESULT: FAIL ..." at the end; exit status 0 only with ok.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bump.h"
#include "bump_port.h"
#include "bump_vfio_bus.h"
#include "vfio_frame.h"

#define BURST 32
#define HELD_MAX 256
#define BOGUS_EVERY 32

static struct {
	const char *port;
	const char *scenario;
	const char *expect;
	double timeout;
} opt = { .timeout = 90 };

static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("vfio_guest: FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	failures++;
}

/* ---- The bogus-length hook --------------------------------------------- */

static struct {
	bool armed;
	unsigned seen;
	unsigned corrupted;
} bogus;

static void bogus_hook(void *arg, uint16_t qid, volatile void *desc, unsigned len_off,
		       unsigned len_size)
{
	volatile uint8_t *len = (volatile uint8_t *)desc + len_off;

	(void)arg;
	(void)qid;
	if (!bogus.armed || ++bogus.seen % BOGUS_EVERY)
		return;
	/* Alternate: longer than any buffer, then shorter than an Ethernet header. */
	if ((bogus.corrupted++ & 1) == 0) {
		for (unsigned i = 0; i < len_size; i++)
			len[i] = i < 2 ? 0xff : 0;  /* 65535 */
	} else {
		for (unsigned i = 0; i < len_size; i++)
			len[i] = i == 0 ? 3 : 0;
	}
}

/* ---- Forwarding ---------------------------------------------------------- */

struct counts {
	uint64_t rx, tx, probes, data, holds, stops, unknown, bad;
};

static void macswap(uint8_t *f)
{
	uint8_t tmp[6];

	memcpy(tmp, f, 6);
	memcpy(f, f + 6, 6);
	memcpy(f + 6, tmp, 6);
}

/* Forward until STOP (or the timeout); held frames go to @held. */
static void forward(struct bump_port *port, struct counts *c, struct bump_pkt *held, unsigned *nheld,
		    bool keep_holds)
{
	uint64_t deadline = bump_time_ns() + (uint64_t)(opt.timeout * 1e9);
	bool stop = false;

	while (!stop) {
		struct bump_pkt pkts[BURST], out[BURST];
		uint16_t n = bump_port_rx_burst(port, 0, pkts, BURST), nout = 0, sent = 0;

		if (n == 0 && bump_time_ns() > deadline) {
			fail("no STOP frame within %.0f s", opt.timeout);
			return;
		}
		c->rx += n;
		for (unsigned i = 0; i < n; i++) {
			uint8_t *f = bump_pkt_data(&pkts[i]);
			uint32_t seq;
			int kind = vf_parse(f, pkts[i].len, &seq);

			if (kind && vf_check(f, pkts[i].len, false)) {
				c->bad++;
				if (c->bad <= 5)
					fail("frame seq %u len %u: %s", seq, pkts[i].len,
					     vf_check(f, pkts[i].len, false));
			}
			switch (kind) {
			case VF_STOP:
				c->stops++;
				stop = true;
				bump_pkt_free(&pkts[i]);
				continue;
			case VF_HOLD:
				c->holds++;
				if (keep_holds && *nheld < HELD_MAX) {
					held[(*nheld)++] = pkts[i];
					continue;
				}
				break;
			case VF_DATA:
				c->data++;
				bogus.armed = true;
				break;
			case VF_PROBE:
				c->probes++;
				break;
			default:
				c->unknown++;
				bump_pkt_free(&pkts[i]);
				continue;
			}
			macswap(f);
			out[nout++] = pkts[i];
		}
		while (sent < nout) {
			sent += bump_port_tx_burst(port, 0, out + sent, (uint16_t)(nout - sent));
			if (bump_time_ns() > deadline) {
				fail("TX stuck: %u packets not accepted", nout - sent);
				bump_pkt_free_bulk(out + sent, nout - sent);
				return;
			}
		}
		c->tx += nout;
	}
}

/* ---- Checks --------------------------------------------------------------- */

static void check_dma(const struct bump_dma_dev *dma, const char *when)
{
	uint64_t maps = atomic_load(&dma->maps), unmaps = atomic_load(&dma->unmaps);

	if (maps != unmaps)
		fail("%s: DMA device '%s' made %llu mappings and undid %llu", when, dma->name,
		     (unsigned long long)maps, (unsigned long long)unmaps);
}

static void usage(void)
{
	fprintf(stderr, "usage: vfio_guest --port vfio:<pci address> --scenario fwd|unbind|bogus|refuse "
		"[--timeout seconds] [--expect text]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "scenario", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "expect", required_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	struct bump_region_params rp = { .name = "vfio-test", .size = 16u << 20,
					 .numa_node = BUMP_NUMA_ANY };
	struct bump_pkt held[HELD_MAX];
	struct bump_port_stats ps;
	struct bump_pool_stats st;
	struct bump_port_info info;
	struct bump_vfio_stats vs;
	struct bump_region *region;
	struct bump_arena *arena;
	struct bump_dma_dev *dma;
	struct bump_port *port;
	struct bump_pool *pool;
	struct counts c = { 0 };
	unsigned nheld = 0;
	uint64_t t0 = bump_time_ns();
	long inflight, leftover;
	int o;

	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (o == 'p')
			opt.port = optarg;
		else if (o == 's')
			opt.scenario = optarg;
		else if (o == 't')
			opt.timeout = atof(optarg);
		else if (o == 'e')
			opt.expect = optarg;
		else
			usage();
	}
	if (!opt.port || !opt.scenario || (strcmp(opt.scenario, "fwd") && strcmp(opt.scenario, "unbind") &&
					   strcmp(opt.scenario, "bogus") && strcmp(opt.scenario, "refuse")))
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(opt.scenario, "refuse")) {
		struct bump_vfio_stats vs0;

		if (bump_port_open(opt.port, &port) == 0) {
			printf("BUMP-RESULT: FAIL %s opened; it should have been refused\n", opt.port);
			return 1;
		}
		bump_vfio_get_stats(&vs0);
		if (opt.expect && !strstr(bump_last_error(), opt.expect)) {
			printf("BUMP-RESULT: FAIL refused, but the message lacks \"%s\"\n", opt.expect);
			return 1;
		}
		if (vs0.maps || vs0.containers_opened != vs0.containers_closed) {
			printf("BUMP-RESULT: FAIL the refusal left %llu mappings / an open container\n",
			       (unsigned long long)vs0.maps);
			return 1;
		}
		printf("BUMP-RESULT: ok scenario=refuse (\"%s\")\n", bump_last_error());
		return 0;
	}

	if (bump_region_create(&rp, &region) ||
	    bump_arena_create(&(struct bump_arena_params){ .name = "vfio-test", .region = region },
			      &arena)) {
		printf("BUMP-RESULT: FAIL memory: %s\n", bump_last_error());
		return 1;
	}
	if (bump_port_open(opt.port, &port) || bump_port_info_get(port, &info)) {
		printf("BUMP-RESULT: FAIL open %s: %s\n", opt.port, bump_last_error());
		return 1;
	}
	printf("vfio_guest: %s is a %s, MAC %02x:%02x:%02x:%02x:%02x:%02x\n", opt.port,
	       bump_vfio_port_pci_driver(port), info.mac[0], info.mac[1], info.mac[2], info.mac[3],
	       info.mac[4], info.mac[5]);
	/* Keep the container open past the port, to ask the IOMMU what is left. */
	if (!info.dma_dev || bump_vfio_dma_dev_get(&dma) || dma != info.dma_dev) {
		printf("BUMP-RESULT: FAIL the port reports no vfio DMA device\n");
		return 1;
	}
	{
		struct bump_pool_params pp = {
			.name = "vfio-rxq0", .arena = arena, .nid = BUMP_NUMA_ANY,
			.flags = BUMP_POOL_F_DMA_MAP, .dma_dev = dma, .dma_dir = BUMP_DMA_BIDIRECTIONAL,
		};
		struct bump_rxq_conf rxc = { .ring_size = 256, .headroom = 128 };
		struct bump_txq_conf txc = { .ring_size = 256 };

		if (bump_pool_create(&pp, &pool)) {
			printf("BUMP-RESULT: FAIL pool: %s\n", bump_last_error());
			return 1;
		}
		rxc.pool = pool;
		/* A ring that is not a power of two is refused, saying so, and nothing is kept. */
		rxc.ring_size = txc.ring_size = 100;
		if (bump_port_rxq_setup(port, 0, &rxc) != -EINVAL ||
		    !strstr(bump_last_error(), "RX ring of 100 descriptors: use a power of two") ||
		    bump_port_txq_setup(port, 0, &txc) != -EINVAL ||
		    !strstr(bump_last_error(), "TX ring of 100 descriptors: use a power of two")) {
			printf("BUMP-RESULT: FAIL a ring of 100 descriptors: %s\n", bump_last_error());
			return 1;
		}
		rxc.ring_size = txc.ring_size = 256;
		if (bump_port_rxq_setup(port, 0, &rxc) || bump_port_txq_setup(port, 0, &txc) ||
		    (!strcmp(opt.scenario, "bogus") &&
		     bump_vfio_port_set_rx_hook(port, bogus_hook, NULL)) ||
		    bump_port_start(port)) {
			printf("BUMP-RESULT: FAIL setup: %s\n", bump_last_error());
			return 1;
		}
	}
	{
		struct bump_port_link link;

		if (bump_port_link_get(port, &link) == 0)
			printf("vfio_guest: link %s %u Mb/s\n", link.up ? "up" : "down", link.speed_mbps);
	}
	printf("BUMP-READY %s\n", opt.scenario);

	forward(port, &c, held, &nheld, !strcmp(opt.scenario, "unbind"));
	printf("vfio_guest: rx %llu tx %llu (probe %llu data %llu hold %llu stop %llu unknown %llu) "
	       "bad %llu\n", (unsigned long long)c.rx, (unsigned long long)c.tx,
	       (unsigned long long)c.probes, (unsigned long long)c.data, (unsigned long long)c.holds,
	       (unsigned long long)c.stops, (unsigned long long)c.unknown, (unsigned long long)c.bad);
	if (c.bad)
		fail("%llu frames arrived damaged", (unsigned long long)c.bad);
	if (bump_port_get_stats(port, &ps) == 0)
		printf("vfio_guest: port stats: ipackets %llu ibytes %llu opackets %llu obytes %llu "
		       "imissed %llu ierrors %llu rx_nombuf %llu oerrors %llu\n",
		       (unsigned long long)ps.total.ipackets, (unsigned long long)ps.total.ibytes,
		       (unsigned long long)ps.total.opackets, (unsigned long long)ps.total.obytes,
		       (unsigned long long)ps.total.imissed, (unsigned long long)ps.total.ierrors,
		       (unsigned long long)ps.total.rx_nombuf, (unsigned long long)ps.total.oerrors);
	else
		fail("stats: %s", bump_last_error());

	if (!strcmp(opt.scenario, "bogus")) {
		printf("vfio_guest: corrupted %u of %u completions\n", bogus.corrupted, bogus.seen);
		if (bogus.corrupted == 0)
			fail("the hook never fired");
		if (ps.total.ierrors != bogus.corrupted)
			fail("ierrors %llu, but %u completions were corrupted",
			     (unsigned long long)ps.total.ierrors, bogus.corrupted);
	}
	/*
	 * A reset is lib/port's snapshot (the vfio drivers keep no baseline of
	 * their own): the error counters read 0 after it (the bogus scenario's
	 * ierrors were not); nothing is polled between the two calls.
	 */
	if (bump_port_stats_reset(port) || bump_port_get_stats(port, &ps))
		fail("stats reset: %s", bump_last_error());
	else if (ps.total.ierrors || ps.total.rx_nombuf || ps.total.oerrors)
		fail("after a stats reset: ierrors %llu rx_nombuf %llu oerrors %llu",
		     (unsigned long long)ps.total.ierrors, (unsigned long long)ps.total.rx_nombuf,
		     (unsigned long long)ps.total.oerrors);

	if (strcmp(opt.scenario, "unbind") != 0) {
		/* Stopped: RX buffers are back, TX completions too; nothing may be in flight. */
		if (bump_port_stop(port))
			fail("stop: %s", bump_last_error());
		bump_pool_get_stats(pool, &st);
		if (st.inflight)
			fail("%llu buffers in flight after stop", (unsigned long long)st.inflight);
		if (bump_port_close(port))
			fail("close: %s", bump_last_error());
		inflight = bump_pool_destroy(pool);
		if (inflight)
			fail("pool destroy: %ld buffers in flight", inflight);
	} else {
		/* Unbind with buffers out: close the port and destroy the pool now. */
		printf("vfio_guest: holding %u buffers; closing the port and destroying the pool\n",
		       nheld);
		if (nheld == 0)
			fail("no HOLD frame was kept");
		if (bump_port_close(port))
			fail("close: %s", bump_last_error());
		inflight = bump_pool_destroy(pool);
		if (inflight != (long)nheld)
			fail("pool destroy reports %ld in flight, the test holds %u", inflight, nheld);
	}
	check_dma(dma, "after close and destroy");
	leftover = bump_vfio_dma_probe_leftover();
	if (leftover != 0)
		fail("the IOMMU still maps %ld bytes after close and destroy", leftover);
	if (nheld) {
		/* The CPU still owns the bytes: check and return them now. */
		unsigned bad = 0;

		for (unsigned i = 0; i < nheld; i++)
			bad += vf_check(bump_pkt_data(&held[i]), held[i].len, false) != NULL;
		if (bad)
			fail("%u held frames changed after unbind", bad);
		if (bump_pkt_free_bulk(held, nheld))
			fail("returning held buffers: %s", bump_last_error());
		if (bump_pool_list(NULL, 0) != 0)
			fail("%u pools still listed after the last held buffer came back",
			     bump_pool_list(NULL, 0));
	}
	bump_vfio_dma_dev_put();
	bump_vfio_get_stats(&vs);
	printf("vfio_guest: dma '%s' maps %llu unmaps %llu; vfio MAP_DMA %llu UNMAP_DMA %llu; "
	       "containers opened %llu closed %llu\n", dma->name,
	       (unsigned long long)atomic_load(&dma->maps), (unsigned long long)atomic_load(&dma->unmaps),
	       (unsigned long long)vs.maps, (unsigned long long)vs.unmaps,
	       (unsigned long long)vs.containers_opened, (unsigned long long)vs.containers_closed);
	if (vs.maps != vs.unmaps || vs.containers_opened != vs.containers_closed || vs.mappings_now)
		fail("vfio: %llu MAP_DMA vs %llu UNMAP_DMA, %llu containers left open",
		     (unsigned long long)vs.maps, (unsigned long long)vs.unmaps,
		     (unsigned long long)(vs.containers_opened - vs.containers_closed));
	if (bump_arena_destroy(arena))
		fail("arena destroy: %s", bump_last_error());
	bump_region_destroy(region);

	printf("BUMP-RESULT: %s scenario=%s rx=%llu tx=%llu data=%llu held=%u corrupted=%u "
	       "maps=%llu unmaps=%llu time=%.1fs\n", failures ? "FAIL" : "ok", opt.scenario,
	       (unsigned long long)c.rx, (unsigned long long)c.tx, (unsigned long long)c.data, nheld,
	       bogus.corrupted, (unsigned long long)atomic_load(&dma->maps),
	       (unsigned long long)atomic_load(&dma->unmaps), (double)(bump_time_ns() - t0) / 1e9);
	return failures ? 1 : 0;
}
