/* SPDX-License-Identifier: MIT */
/*
 * udp.h - bump-udp, an example UDP server on io_uring provided-buffer rings
 * fed by bump pools: the shape a real server takes.
 *
 *   udp_main.c     options, memory, threads, the per-second stats, the exit check
 *   udp_uring.c    an I/O thread: its socket (SO_REUSEPORT), its io_uring and
 *                  its buffer ring, fed by a bump pool (or by malloc, to compare)
 *   udp_mmsg.c     an I/O thread on recvmmsg (the comparison without io_uring)
 *   udp_consumer.c the thread each I/O thread hands datagrams to: it checks
 *                  them and frees them, so buffers return from another thread
 *
 * Every I/O thread owns its ring and its pool; the kernel spreads datagrams
 * over the threads' sockets by SO_REUSEPORT's flow hash.
 */
#ifndef UDP_H
#define UDP_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bump.h"
#include "bump_ring.h"
#include "bump_uring.h"

#define UDP_MAX_THREADS 64
#define UDP_BURST 64
/* Bytes before each datagram: the I/O thread notes its length in the last 4. */
#define UDP_HEADROOM 64

enum udp_backend { UDP_BACKEND_BUMP, UDP_BACKEND_MALLOC, UDP_BACKEND_MMSG };
enum udp_mode { UDP_MODE_SINK, UDP_MODE_ECHO };

struct udp_cfg {
	struct sockaddr_in addr;
	unsigned threads;
	unsigned ring;           /* buffer ring entries */
	unsigned bufs;           /* buffers per thread (bump: the pool's max_buffers) */
	unsigned buf_size;       /* bytes per buffer */
	double duration;         /* 0: until SIGINT/SIGTERM */
	double period;           /* seconds between stats lines; 0: summary only */
	enum udp_backend backend;
	enum udp_mode mode;
	bool self_return;        /* sink: the I/O thread frees, no consumer thread */
	bool zc;                 /* echo: zero-copy replies from the registered arena */
};

/* Counters written by one thread, read by the stats thread. */
struct udp_stats {
	_Atomic uint64_t rx, rx_bytes, bad, tx, tx_errors, enobufs, rearms, handoff_full;
	/* --zc: replies the kernel sent from the buffer, copied anyway, or sent copying by us */
	_Atomic uint64_t zc, zc_copied, zc_fallback;
};

struct udp_worker {
	struct udp_app *app;
	unsigned idx;
	int fd;
	pthread_t io_thread, consumer_thread;
	bool consumer_started;
	struct bump_ring *handoff;       /* I/O thread -> consumer: buffer payload pointers */
	_Atomic bool producing;          /* false once the I/O thread handed its last */
	struct bump_pool *pool;          /* bump backend; created by the I/O thread (its owner) */
	struct bump_uring_bufring *br;
	long inflight_at_exit;           /* what bump_pool_destroy reported */
	int error;                       /* the I/O thread's setup failed (message printed) */
	struct udp_stats st;
	_Atomic uint64_t consumed, consumed_bad;
};

struct udp_app {
	struct udp_cfg cfg;
	struct bump_region *region;
	struct bump_arena *arena;
	struct udp_worker workers[UDP_MAX_THREADS];
	_Atomic bool stop;
};

/* The datagrams the test client sends: a header, then bytes derived from seq. */
struct udp_dg_hdr {
	uint32_t magic, seq, len, csum;
};
#define UDP_DG_MAGIC 0x75647062u  /* "udpb" */

static inline uint32_t udp_dg_fnv(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* True when the datagram is the client's and intact (its header says how long it is). */
static inline bool udp_dg_ok(const uint8_t *p, size_t len)
{
	struct udp_dg_hdr h;

	if (len < sizeof(h))
		return false;
	__builtin_memcpy(&h, p, sizeof(h));
	return h.magic == UDP_DG_MAGIC && h.len == len &&
	       h.csum == udp_dg_fnv(p + sizeof(h), len - sizeof(h));
}

/* udp_main.c */
int udp_socket_open(const struct udp_cfg *cfg, int *fd);

/* udp_uring.c */
void *udp_uring_thread(void *arg);

/* udp_mmsg.c */
void *udp_mmsg_thread(void *arg);

/* udp_consumer.c */
int udp_consumer_start(struct udp_worker *w);
/* Hand @n payloads (datagram starts, @len bytes each read from their header) to the consumer. */
void udp_consumer_hand(struct udp_worker *w, void *const *bufs, unsigned n);
void udp_consumer_stop(struct udp_worker *w);
/* Free a buffer of the worker's backend. */
void udp_buf_free(const struct udp_app *app, void *buf);

#endif /* UDP_H */
