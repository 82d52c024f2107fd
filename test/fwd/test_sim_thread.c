/* SPDX-License-Identifier: MIT */
/*
 * The sim NIC with its device side in a thread of its own (thread=1,
 * pinned to the other core) and a polling thread that owns the pools, as
 * bump-fwd runs it.  The main thread is the control plane: it sets up and
 * starts the ports (so RX rings fill on the poller's first burst), reads
 * stats while traffic runs, toggles the link, then stops the ports (so the
 * buffers come home through the pools' recycle rings).  Run under TSan and
 * ASan+UBSan as well as plain.
 *
 *   loopback   frames sent on two queues come back intact and in order
 *   link flap  the link goes down and up under traffic: every frame sent is
 *              received or counted as dropped, none out of order
 *   gen->sink  a generator port's frames forwarded to a sink port
 */
#include "fwd_fixture.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#define PAGES 8192
#define BURST 32
#define NQ 2
#define FRAMES 40000          /* per queue */
#define TIMEOUT_NS (60ull * 1000 * 1000 * 1000)

enum scenario { LOOPBACK, LINK_FLAP, GEN_SINK };

struct run {
	enum scenario what;
	struct fx fx;
	int cpu_poll, cpu_dev;       /* -1: no pinning (one CPU) */
	pthread_barrier_t bar;
	/* Poller's, shared with main after a barrier. */
	struct bump_pool *rxp[NQ], *txp, *rxp2[NQ];
	struct fx_seq seq;
	uint64_t accepted, received;
	struct bump_pkt pending[NQ][BURST];  /* refused by tx_burst, to retry */
	uint16_t npending[NQ];
	_Atomic bool sending_done;           /* poller -> main: stop flapping */
	_Atomic bool link_settled;           /* main -> poller: the link stays up now */
	/* Main's. */
	struct bump_port *port, *sink;
	_Atomic bool traffic_done;
};

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static bool timed_out(uint64_t t0)
{
	return bump_time_ns() - t0 > TIMEOUT_NS;
}

/* The first two CPUs this process may use. */
static void pick_cpus(struct run *r)
{
	cpu_set_t set;
	int found = 0;

	r->cpu_poll = r->cpu_dev = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (int c = 0; c < CPU_SETSIZE && found < 2; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		if (found++ == 0)
			r->cpu_poll = c;
		else
			r->cpu_dev = c;
	}
	if (r->cpu_dev < 0)
		r->cpu_poll = -1;
}

/*
 * Receive on every queue of @port; with @fwd, forward what arrived out of
 * the same queue of @fwd, retrying until the sink's device takes it all.
 */
static uint64_t poll_rx(struct run *r, struct bump_port *port, struct bump_port *fwd)
{
	struct bump_pkt pkts[BURST];
	uint64_t total = 0, t0 = bump_time_ns();

	for (uint16_t q = 0; q < NQ; q++) {
		uint16_t n = bump_port_rx_burst(port, q, pkts, BURST), k = 0;

		for (uint16_t i = 0; i < n; i++)
			fx_seq_rx(&r->seq, &pkts[i], q);
		while (fwd && k < n && !timed_out(t0))
			k += bump_port_tx_burst(fwd, q, pkts + k, n - k);
		r->accepted += k;
		bump_pkt_free_bulk(pkts + k, n - k);
		total += n;
	}
	r->received += total;
	return total;
}

/*
 * Send the next burst of each queue's sequence.  What tx_burst refuses is
 * kept and retried (@retry) or dropped here (link flaps: a refused frame
 * is one the sender gave up on).
 */
static void poll_tx(struct run *r, uint64_t *sent, bool retry)
{
	for (uint16_t q = 0; q < NQ; q++) {
		struct bump_pkt *pkts = r->pending[q];
		uint16_t n = r->npending[q], k;

		while (n < BURST && sent[q] < FRAMES && fx_frame_pkt(r->txp, &pkts[n], 96, q, sent[q]))
			n++, sent[q]++;
		k = bump_port_tx_burst(r->port, q, pkts, n);
		r->accepted += k;
		if (retry) {
			memmove(pkts, pkts + k, (size_t)(n - k) * sizeof(*pkts));
			r->npending[q] = (uint16_t)(n - k);
		} else {
			bump_pkt_free_bulk(pkts + k, n - k);
		}
	}
}

/* Frames the port dropped on purpose (link down, RX ring full): the rest must arrive. */
static uint64_t dropped(const struct run *r)
{
	struct bump_sim_stats ss;

	bump_sim_get_stats(r->port, &ss);
	return ss.link_drops + ss.rx_no_desc;
}

static void poller_traffic(struct run *r)
{
	uint64_t sent[NQ] = { 0 }, t0 = bump_time_ns();
	bool retry = r->what == LOOPBACK;

	/* The first bursts on the owner thread post the RX rings. */
	poll_rx(r, r->port, r->sink);
	if (r->what == GEN_SINK) {
		while (r->received < NQ * FRAMES && !timed_out(t0))
			poll_rx(r, r->port, r->sink);
		return;
	}
	while ((sent[0] < FRAMES || sent[1] < FRAMES || r->npending[0] || r->npending[1]) &&
	       !timed_out(t0)) {
		poll_tx(r, sent, retry);
		poll_rx(r, r->port, NULL);
	}
	/* Let the control thread bring the link up for good before draining. */
	atomic_store(&r->sending_done, true);
	while (!atomic_load(&r->link_settled) && !timed_out(t0))
		sched_yield();
	/* Drain: wait until the device has accounted for every accepted frame. */
	while (r->received + dropped(r) < r->accepted && !timed_out(t0)) {
		poll_rx(r, r->port, NULL);
		for (uint16_t q = 0; q < NQ; q++)
			bump_port_tx_burst(r->port, q, NULL, 0);  /* reclaims completions */
	}
	for (uint16_t q = 0; q < NQ; q++)
		bump_port_tx_burst(r->port, q, NULL, 0);
}

static void *poller_main(void *arg)
{
	struct run *r = arg;

	pin(r->cpu_poll);
	for (int q = 0; q < NQ; q++) {
		r->rxp[q] = fx_pool(&r->fx, "rx", true);
		r->rxp2[q] = fx_pool(&r->fx, "rx2", true);
	}
	r->txp = fx_pool(&r->fx, "tx", true);
	pthread_barrier_wait(&r->bar);  /* 1: pools exist */
	pthread_barrier_wait(&r->bar);  /* 2: ports started */
	poller_traffic(r);
	atomic_store(&r->traffic_done, true);
	pthread_barrier_wait(&r->bar);  /* 3: traffic over */
	pthread_barrier_wait(&r->bar);  /* 4: ports stopped and closed */
	/* The owner destroys its pools: everything came back (some via the ring). */
	for (int q = 0; q < NQ; q++) {
		fx_pool_done(r->rxp[q]);
		fx_pool_done(r->rxp2[q]);
	}
	fx_pool_done(r->txp);
	return NULL;
}

/*
 * A port with its device thread on the other core.  TX rings are shorter
 * than what RX rings post, so a loopback cannot hold more frames in flight
 * than RX has buffers for: no frame may be missed.
 */
static struct bump_port *open_port(struct run *r, const char *mode, struct bump_pool **pools)
{
	struct bump_port *port = NULL;
	struct bump_txq_conf tc = { .ring_size = 256 };
	char args[96];

	if (r->cpu_dev >= 0)
		snprintf(args, sizeof(args), "sim:%s,queues=%d,thread=1,cpu=%d", mode, NQ, r->cpu_dev);
	else
		snprintf(args, sizeof(args), "sim:%s,queues=%d,thread=1", mode, NQ);
	CHECK_EQ(bump_port_open(args, &port), 0);
	if (!port)
		return NULL;
	for (uint16_t q = 0; q < NQ; q++) {
		struct bump_rxq_conf rc = { .pool = pools[q], .headroom = FX_HEADROOM };

		CHECK_EQ(bump_port_rxq_setup(port, q, &rc), 0);
		CHECK_EQ(bump_port_txq_setup(port, q, &tc), 0);
	}
	CHECK_EQ(bump_port_start(port), 0);
	return port;
}

static void run_scenario(enum scenario what)
{
	struct run *r = calloc(1, sizeof(*r));
	struct bump_port_stats st;
	struct bump_sim_stats ss, sk = { 0 };
	pthread_t poller;
	bool up = true;

	r->what = what;
	pick_cpus(r);
	fx_up(&r->fx, PAGES);
	pthread_barrier_init(&r->bar, NULL, 2);
	CHECK_EQ(pthread_create(&poller, NULL, poller_main, r), 0);
	pthread_barrier_wait(&r->bar);  /* 1 */
	r->port = open_port(r, what == GEN_SINK ? "mode=gen,size=100" : "mode=loopback", r->rxp);
	if (what == GEN_SINK)
		r->sink = open_port(r, "mode=sink", r->rxp2);
	pthread_barrier_wait(&r->bar);  /* 2 */
	/* Control plane while traffic runs: stats reads, and for LINK_FLAP the link. */
	for (int i = 0; !atomic_load(&r->traffic_done); i++) {
		struct timespec ts = { 0, 200000 };

		CHECK_EQ(bump_port_get_stats(r->port, &st), 0);
		CHECK_EQ(bump_sim_get_stats(r->port, &ss), 0);
		if (what == LINK_FLAP && !atomic_load(&r->sending_done) && i % 10 == 0) {
			up = !up;
			bump_sim_link_set(r->port, up);
		}
		if (atomic_load(&r->sending_done) && !atomic_load(&r->link_settled)) {
			bump_sim_link_set(r->port, up = true);
			atomic_store(&r->link_settled, true);
		}
		nanosleep(&ts, NULL);
	}
	pthread_barrier_wait(&r->bar);  /* 3 */

	CHECK_EQ(r->seq.reorders, 0);
	CHECK_EQ(bump_port_get_stats(r->port, &st), 0);
	CHECK_EQ(bump_sim_get_stats(r->port, &ss), 0);
	CHECK_EQ(st.total.ierrors, 0);
	CHECK_EQ(ss.dma_faults, 0);
	if (what == LOOPBACK) {
		/* Every frame, intact and in order: nothing may be missed or dropped. */
		CHECK_EQ(r->accepted, NQ * FRAMES);
		CHECK_EQ(r->received, NQ * FRAMES);
		CHECK_EQ(r->seq.gaps, 0);
		CHECK_EQ(ss.rx_no_desc + ss.link_drops, 0);
		CHECK_EQ(st.total.ipackets, NQ * FRAMES);
	} else if (what == LINK_FLAP) {
		/* Every frame accepted arrived or was dropped by the device, counted. */
		CHECK_EQ(r->received + ss.link_drops + ss.rx_no_desc, r->accepted);
		CHECK(r->seq.gaps <= NQ * FRAMES - r->received);
		CHECK(ss.tx_link_refused + ss.link_drops > 0);  /* the flaps did hit traffic */
		CHECK_EQ(st.total.oerrors + st.total.imissed,
			 ss.tx_link_refused + ss.link_drops + ss.rx_no_desc);
	} else {
		uint64_t t0 = bump_time_ns();

		CHECK(r->received >= NQ * FRAMES);
		CHECK_EQ(r->accepted, r->received);
		CHECK_EQ(r->seq.gaps, 0);
		/* The sink's device thread may still be sending the last frames. */
		do
			CHECK_EQ(bump_sim_get_stats(r->sink, &sk), 0);
		while (sk.sink_frames < r->accepted && !timed_out(t0));
		CHECK_EQ(sk.sink_frames, r->accepted);
		CHECK_EQ(sk.sink_bad_csum + sk.sink_bad_format + sk.sink_seq_errors, 0);
		CHECK_EQ(sk.sink_seq_gaps, 0);
	}
	printf("  %s: received %llu, accepted %llu, link drops %llu, ring full %llu, sink %llu\n",
	       what == LOOPBACK ? "loopback" : what == LINK_FLAP ? "link flap" : "gen->sink",
	       (unsigned long long)r->received, (unsigned long long)r->accepted,
	       (unsigned long long)ss.link_drops, (unsigned long long)ss.rx_no_desc,
	       (unsigned long long)sk.sink_frames);

	/* Stop from this thread, which owns no pool: returns go through the recycle rings. */
	CHECK_EQ(bump_port_stop(r->port), 0);
	CHECK_EQ(bump_port_close(r->port), 0);
	if (r->sink)
		CHECK_EQ(bump_port_close(r->sink), 0);
	pthread_barrier_wait(&r->bar);  /* 4 */
	pthread_join(poller, NULL);
	pthread_barrier_destroy(&r->bar);
	fx_down(&r->fx);
	free(r);
}

static void test_loopback_thread(void)
{
	run_scenario(LOOPBACK);
}

static void test_link_flap_thread(void)
{
	run_scenario(LINK_FLAP);
}

static void test_gen_sink_thread(void)
{
	run_scenario(GEN_SINK);
}

int main(void)
{
	struct test_log quiet = { 0 };

	bump_log_set_handler(test_log_handler, &quiet);
	TEST_RUN(test_loopback_thread);
	TEST_RUN(test_link_flap_thread);
	TEST_RUN(test_gen_sink_thread);
	return test_exit();
}
