/* SPDX-License-Identifier: MIT */
/*
 * test_uring_bufring - bump_uring.h on a loopback UDP socket (no namespace
 * needed): datagrams received through a multishot recv into a pool's
 * buffers, checked, and freed from another thread; the ring run dry while
 * the application holds every buffer, then re-armed without a loss; bad
 * parameters refused with a message.
 *
 *   test_uring_bufring                 every case
 *   test_uring_bufring --disabled      expect kernel.io_uring_disabled > 0 (the
 *                                      uring_disabled.sh wrapper sets it)
 */
#include "bump_fixture.h"
#include "bump_uring.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define DG_MAGIC 0x75726e67u  /* "urng" */
#define RECV_TAG 1            /* user_data of the multishot recv */

struct dg_hdr {
	uint32_t magic, seq, len, csum;
};

static uint32_t dg_csum(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Datagram @seq: a header, then bytes derived from seq; lengths vary from 16 to ~1400. */
static size_t dg_build(uint8_t *b, uint32_t seq)
{
	struct dg_hdr h = { DG_MAGIC, seq, (uint32_t)(sizeof(h) + (seq * 37) % 1384), 0 };

	for (size_t i = sizeof(h); i < h.len; i++)
		b[i] = (uint8_t)(seq * 7 + i);
	h.csum = dg_csum(b + sizeof(h), h.len - sizeof(h));
	memcpy(b, &h, sizeof(h));
	return h.len;
}

/* The datagram's seq if intact, -1 otherwise. */
static long dg_check(const uint8_t *b, size_t len)
{
	struct dg_hdr h;

	if (len < sizeof(h))
		return -1;
	memcpy(&h, b, sizeof(h));
	if (h.magic != DG_MAGIC || h.len != len || h.csum != dg_csum(b + sizeof(h), len - sizeof(h)))
		return -1;
	return h.seq;
}

struct udp_pair {
	int rx, tx;
	struct sockaddr_in to;
};

static void udp_pair_up(struct udp_pair *u)
{
	socklen_t sl = sizeof(u->to);
	int big = 4 << 20;

	u->rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	u->tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(u->rx >= 0 && u->tx >= 0);
	memset(&u->to, 0, sizeof(u->to));
	u->to.sin_family = AF_INET;
	u->to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(bind(u->rx, (struct sockaddr *)&u->to, sizeof(u->to)), 0);
	CHECK_EQ(getsockname(u->rx, (struct sockaddr *)&u->to, &sl), 0);
	/* Datagrams wait in the socket while the ring is dry: room for all of them. */
	CHECK_EQ(setsockopt(u->rx, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big)), 0);
}

static void udp_pair_down(struct udp_pair *u)
{
	close(u->rx);
	close(u->tx);
}

static void send_dgs(struct udp_pair *u, uint32_t first, uint32_t n)
{
	uint8_t b[1500];

	for (uint32_t s = first; s < first + n; s++) {
		size_t len = dg_build(b, s);

		CHECK_EQ(sendto(u->tx, b, len, 0, (struct sockaddr *)&u->to, sizeof(u->to)),
			 (long)len);
	}
}

static void arm_recv(struct io_uring *ring, struct bump_uring_bufring *br, int fd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	CHECK(sqe != NULL);
	bump_uring_prep_recv_multishot(sqe, br, fd, 0);
	io_uring_sqe_set_data64(sqe, RECV_TAG);
	CHECK_EQ(io_uring_submit(ring), 1);
}

/* What one reaping pass saw. */
struct reap {
	unsigned pkts;
	bool ended;    /* the multishot recv ended (no IORING_CQE_F_MORE) */
	int end_res;
};

/*
 * Wait up to 2 s for completions and take them all: packets go to @out
 * (up to @max; more is a failure).
 */
static struct reap reap_some(struct io_uring *ring, struct bump_uring_bufring *br,
			     struct bump_pkt *out, unsigned max)
{
	struct __kernel_timespec ts = { .tv_sec = 2 };
	struct io_uring_cqe *cqe;
	struct reap r = { 0 };
	unsigned head, n = 0;

	if (io_uring_wait_cqe_timeout(ring, &cqe, &ts) != 0)
		return r;
	io_uring_for_each_cqe(ring, head, cqe) {
		struct bump_pkt pkt;

		n++;
		CHECK_EQ(cqe->user_data, RECV_TAG);
		if (bump_uring_bufring_complete(br, cqe, &pkt) == 1) {
			CHECK(r.pkts < max);
			if (r.pkts < max)
				out[r.pkts++] = pkt;
			else
				bump_pkt_free(&pkt);
		}
		if (!(cqe->flags & IORING_CQE_F_MORE)) {
			r.ended = true;
			r.end_res = cqe->res;
		}
	}
	io_uring_cq_advance(ring, n);
	return r;
}

/* End the multishot recv and reap until its last completion; packets are freed. */
static void cancel_recv(struct io_uring *ring, struct bump_uring_bufring *br)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct bump_pkt pkts[64];
	bool ended = false;

	io_uring_prep_cancel64(sqe, RECV_TAG, 0);
	io_uring_sqe_set_data64(sqe, RECV_TAG);
	CHECK_EQ(io_uring_submit(ring), 1);
	for (int i = 0; i < 10 && !ended; i++) {
		struct reap r = reap_some(ring, br, pkts, 64);

		ended = r.ended;
		bump_pkt_free_bulk(pkts, r.pkts);
	}
	CHECK(ended);
}

/* ---- Buffers returned from another thread ------------------------------- */

/* The returner thread frees what the owner writes into a pipe (refs), as a worker would. */
static void *returner(void *arg)
{
	int fd = *(int *)arg;
	bump_ref_t refs[256];
	ssize_t n;

	while ((n = read(fd, refs, sizeof(refs))) > 0) {
		CHECK_EQ(n % sizeof(bump_ref_t), 0);
		CHECK_EQ(bump_ref_put_bulk(refs, (unsigned)(n / sizeof(bump_ref_t)), sizeof(refs[0])), 0);
		/* Idle for now: the owner gets what is in this thread's stash. */
		bump_put_flush();
	}
	CHECK_EQ(n, 0);
	return NULL;
}

static void test_receive_and_return_from_other_thread(void)
{
	enum { N = 20000, BURST = 64 };
	struct bump_uring_bufring_params p = { .bgid = 3, .entries = 256, .headroom = 64 };
	struct bump_uring_bufring_stats st;
	static bool seen[N];
	struct bump_pkt pkts[BURST * 2];
	struct bump_uring_bufring *br;
	struct bump_pool *pool;
	struct io_uring ring;
	struct udp_pair u;
	struct fixture f;
	uint32_t sent = 0, got = 0, bad = 0, dup = 0;
	int fails = test_failed_checks;
	uint64_t bytes = 0;
	int pfd[2];
	pthread_t t;

	fixture_up(&f, 2048);
	pool = pool_new(&f, "uring", 0);
	udp_pair_up(&u);
	CHECK_EQ(bump_uring_queue_init(64, &ring, 0), 0);
	p.ring = &ring;
	p.pool = pool;
	CHECK_EQ(bump_uring_bufring_attach(&p, &br), 0);
	CHECK_EQ(bump_uring_bufring_posted(br), 0);
	CHECK_EQ(bump_uring_bufring_refill(br), 256);
	CHECK_EQ(bump_uring_bufring_posted(br), 256);
	CHECK_EQ(bump_uring_bufring_buf_len(br), 4096 - 64);
	CHECK_EQ(pipe2(pfd, O_CLOEXEC), 0);
	CHECK_EQ(pthread_create(&t, NULL, returner, &pfd[0]), 0);
	arm_recv(&ring, br, u.rx);
	memset(seen, 0, sizeof(seen));

	while (got < N && test_failed_checks == fails) {
		struct reap r;
		bump_ref_t refs[BURST * 2];

		if (sent < N && sent - got < BURST) {
			uint32_t n = BUMP_MIN((uint32_t)BURST, N - sent);

			send_dgs(&u, sent, n);
			sent += n;
		}
		r = reap_some(&ring, br, pkts, BURST * 2);
		if (r.pkts == 0 && !r.ended) {
			CHECK(!"no completion within 2 s");
			break;
		}
		for (unsigned i = 0; i < r.pkts; i++) {
			long seq = dg_check(bump_pkt_data(&pkts[i]), pkts[i].len);

			CHECK_EQ(pkts[i].off, 64);
			if (seq < 0 || seq >= N)
				bad++;
			else if (seen[seq])
				dup++;
			else
				seen[seq] = true;
			bytes += pkts[i].len;
			refs[i] = pkts[i].ref;
		}
		got += r.pkts;
		if (r.pkts)
			CHECK_EQ(write(pfd[1], refs, r.pkts * sizeof(refs[0])),
				 (long)(r.pkts * sizeof(refs[0])));
		bump_uring_bufring_refill(br);
		if (r.ended) {
			/* The pool may be short while the returner catches up: ENOBUFS, re-armed. */
			CHECK_EQ(r.end_res, -ENOBUFS);
			arm_recv(&ring, br, u.rx);
		}
	}
	CHECK_EQ(got, N);
	CHECK_EQ(bad, 0);
	CHECK_EQ(dup, 0);
	cancel_recv(&ring, br);
	close(pfd[1]);
	pthread_join(t, NULL);
	close(pfd[0]);

	bump_uring_bufring_get_stats(br, &st);
	CHECK_EQ(st.completions, N);
	CHECK_EQ(st.bytes, bytes);
	CHECK_EQ(st.bad_bid, 0);
	printf("  %u datagrams, %" PRIu64 " refills, %" PRIu64 " ENOBUFS re-arms, %" PRIu64
	       " nombuf\n", got, st.refills, st.enobufs, st.nombuf);
	CHECK_EQ(bump_uring_bufring_detach(br), 256);
	io_uring_queue_exit(&ring);
	udp_pair_down(&u);
	/* Every buffer back: none in flight. */
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/* ---- The ring runs dry ---------------------------------------------------- */

static void test_ring_exhaustion_recovers(void)
{
	enum { POOL = 16, MORE = 50 };
	struct bump_uring_bufring_params p = { .bgid = 9, .entries = 32 };
	struct bump_pool_params pp = { .name = "dry", .nid = BUMP_NUMA_ANY, .max_buffers = POOL };
	struct bump_pkt held[POOL + MORE], pkts[POOL + MORE];
	struct bump_uring_bufring_stats st;
	struct bump_uring_bufring *br;
	struct bump_pool *pool;
	struct io_uring ring;
	struct udp_pair u;
	struct fixture f;
	unsigned nheld = 0, got = 0;
	bool ended = false;
	uint32_t next = POOL;
	int fails = test_failed_checks;

	fixture_up(&f, 256);
	pp.arena = f.arena;
	CHECK_EQ(bump_pool_create(&pp, &pool), 0);
	udp_pair_up(&u);
	CHECK_EQ(bump_uring_queue_init(64, &ring, 0), 0);
	p.ring = &ring;
	p.pool = pool;
	CHECK_EQ(bump_uring_bufring_attach(&p, &br), 0);
	CHECK_EQ(bump_uring_bufring_refill(br), POOL);
	/* The pool gives 16: a ring of 32 holds 16, and the shortfall is counted. */
	CHECK_EQ(bump_uring_bufring_posted(br), POOL);
	arm_recv(&ring, br, u.rx);

	/* The application holds every buffer, then more datagrams come. */
	send_dgs(&u, 0, POOL + MORE);
	for (int i = 0; i < 20 && !ended; i++) {
		struct reap r = reap_some(&ring, br, held + nheld, POOL + MORE - nheld);

		nheld += r.pkts;
		ended = r.ended;
		if (r.ended)
			CHECK_EQ(r.end_res, -ENOBUFS);
		/* Nothing came back: a refill finds the pool dry. */
		CHECK_EQ(bump_uring_bufring_refill(br), 0);
	}
	CHECK(ended);
	CHECK_EQ(nheld, POOL);
	CHECK_EQ(bump_uring_bufring_posted(br), 0);
	bump_uring_bufring_get_stats(br, &st);
	CHECK_EQ(st.enobufs, 1);
	CHECK(st.nombuf > 0);
	for (unsigned i = 0; i < nheld; i++)
		CHECK_EQ(dg_check(bump_pkt_data(&held[i]), held[i].len), (long)i);

	/* The buffers come back (another thread): refill, re-arm, and nothing was lost. */
	{
		void *bufs[POOL];

		for (unsigned i = 0; i < nheld; i++)
			bufs[i] = bump_pkt_data(&held[i]);
		put_from_other_thread(bufs, nheld);
	}
	while (got < MORE && test_failed_checks == fails) {
		struct reap r;

		/* A dry pool is retried after a pause (at most 100 us): wait up to 1 s. */
		for (int i = 0; i < 100000 && !bump_uring_bufring_refill(br) &&
				bump_uring_bufring_posted(br) == 0; i++)
			usleep(10);
		CHECK(bump_uring_bufring_posted(br) > 0);
		if (ended) {
			arm_recv(&ring, br, u.rx);
			ended = false;
		}
		r = reap_some(&ring, br, pkts, POOL + MORE);
		if (r.pkts == 0 && !r.ended) {
			CHECK(!"no completion within 2 s after the re-arm");
			break;
		}
		for (unsigned i = 0; i < r.pkts; i++)
			CHECK_EQ(dg_check(bump_pkt_data(&pkts[i]), pkts[i].len), (long)next++);
		got += r.pkts;
		CHECK_EQ(bump_pkt_free_bulk(pkts, r.pkts), 0);
		if (r.ended) {
			CHECK_EQ(r.end_res, -ENOBUFS);
			ended = true;
		}
	}
	CHECK_EQ(got, MORE);
	bump_uring_bufring_get_stats(br, &st);
	CHECK_EQ(st.completions, POOL + MORE);
	printf("  %u held, ring ran dry, %" PRIu64 " ENOBUFS re-arms, %u more without loss\n",
	       nheld, st.enobufs, got);
	if (!ended)
		cancel_recv(&ring, br);
	CHECK(bump_uring_bufring_detach(br) >= 0);
	io_uring_queue_exit(&ring);
	udp_pair_down(&u);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

/* ---- Bad parameters ----------------------------------------------------- */

static void test_bad_params(void)
{
	struct bump_uring_bufring_params p = { .bgid = 1, .entries = 100 };
	struct bump_uring_bufring *br = NULL, *br2 = NULL;
	struct bump_pool *pool;
	struct io_uring ring;
	struct fixture f;

	fixture_up(&f, 64);
	pool = pool_new(&f, "bad", 0);
	CHECK_EQ(bump_uring_queue_init(8, &ring, 0), 0);
	p.ring = &ring;
	CHECK_EQ(bump_uring_bufring_attach(&p, &br), -EINVAL);  /* no pool */
	p.pool = pool;
	CHECK_EQ(bump_uring_bufring_attach(&p, &br), -EINVAL);
	CHECK_ERROR_SAYS("power of two");
	p.entries = 16;
	p.headroom = 4096;
	CHECK_EQ(bump_uring_bufring_attach(&p, &br), -EINVAL);
	CHECK_ERROR_SAYS("headroom");
	p.headroom = 0;
	CHECK_EQ(bump_uring_bufring_attach(&p, &br), 0);
	CHECK_EQ(bump_uring_bufring_refill(br), 16);
	CHECK_EQ(bump_uring_bufring_attach(&p, &br2), -EEXIST);
	CHECK_ERROR_SAYS("pick another bgid");
	/* A completion naming a buffer id never posted is refused and counted. */
	{
		struct io_uring_cqe cqe = { .res = 10,
			.flags = IORING_CQE_F_BUFFER | 20u << IORING_CQE_BUFFER_SHIFT };
		struct bump_uring_bufring_stats st;
		struct bump_pkt pkt;

		CHECK_EQ(bump_uring_bufring_complete(br, &cqe, &pkt), -EIO);
		bump_uring_bufring_get_stats(br, &st);
		CHECK_EQ(st.bad_bid, 1);
		CHECK_EQ(bump_uring_bufring_posted(br), 16);
	}
	CHECK_EQ(bump_uring_bufring_detach(br), 16);
	io_uring_queue_exit(&ring);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

static void test_disabled_sysctl(void)
{
	struct io_uring ring;

	CHECK_EQ(bump_uring_queue_init(8, &ring, 0), -EPERM);
	CHECK_ERROR_SAYS("kernel.io_uring_disabled");
	printf("  %s\n", bump_last_error());
}

int main(int argc, char **argv)
{
	struct io_uring probe;

	if (argc > 1 && strcmp(argv[1], "--disabled") == 0) {
		TEST_RUN(test_disabled_sysctl);
		return test_exit();
	}
	if (bump_uring_queue_init(8, &probe, 0)) {
		printf("SKIP: %s\n", bump_last_error());
		return 77;
	}
	io_uring_queue_exit(&probe);
	TEST_RUN(test_receive_and_return_from_other_thread);
	TEST_RUN(test_ring_exhaustion_recovers);
	TEST_RUN(test_bad_params);
	return test_exit();
}
