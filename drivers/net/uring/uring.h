/* SPDX-License-Identifier: MIT */
/*
 * uring.h - the io_uring port driver's private state.
 *
 *   uring_args.c   devargs, the socket, what the kernel says about the interface
 *   uring_rx.c     rx_burst: completions of the multishot receive, refill, re-arm
 *   uring_tx.c     tx_burst: a send SQE per packet, completions free the buffers
 *   uring_port.c   the driver ops table: queues, start/stop, stats
 */
#ifndef URING_H
#define URING_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bump.h"
#include "bump_port.h"
#include "bump_uring.h"
#include "bump_uring_port.h"

#define URING_RING_DEFAULT 1024
#define URING_RX_BGID 0
/* user_data of the driver's own SQEs; a TX send carries its buffer's ref (below 2^32). */
#define URING_TAG_RECV (1ull << 32)
#define URING_TAG_CANCEL (2ull << 32)

#define URING_STAT_ADD(ctr, n) __BUMP_STAT_ADD(ctr, n)
#define URING_STAT_GET(ctr) atomic_load_explicit(&(ctr), memory_order_relaxed)

enum uring_mode { URING_MODE_PACKET, URING_MODE_UDP };

struct uring_args {
	enum uring_mode mode;
	char ifname[IF_NAMESIZE];            /* packet mode */
	unsigned ifindex;
	struct sockaddr_in local, peer;      /* udp mode */
	bool has_peer;
	uint32_t ring_size;                  /* 0: the queue's conf, else URING_RING_DEFAULT */
	char name[48];                       /* for messages: the interface or the address */
};

struct uring_port;

struct uring_rxq {
	struct io_uring ring;
	struct bump_uring_bufring *br;
	struct bump_pool *pool;
	int fd;
	bool armed;                          /* a multishot receive is pending */
	bool armed_once;                     /* since start: later arms are re-arms */
	bool error_warned;
	uint32_t max_len;                    /* bytes a buffer takes */
	_Atomic uint64_t packets, bytes, too_long, enobufs, rearms, errors;
	/* Control path. */
	bool configured, ring_up;
	uint32_t ring_size;
	uint16_t headroom;
	uint16_t port_id;
	struct uring_port *port;
};

struct uring_txq {
	struct io_uring ring;
	int fd;
	uint32_t inflight;                   /* sends submitted, not completed */
	uint32_t ring_size;
	bool error_warned;
	_Atomic uint64_t packets, bytes, errors;
	_Atomic uint32_t nb_inflight;        /* inflight, for stats */
	bool configured, ring_up;
	struct uring_port *port;
};

struct uring_port {
	struct uring_args args;
	struct bump_port *port;
	bump_cache_aligned struct uring_rxq rxq;
	bump_cache_aligned struct uring_txq txq;
	int fd;
	bool started;
	uint64_t drops_acc;                  /* socket drops of the sockets closed so far */
	uint64_t nombuf_acc;                 /* of the buffer rings detached so far */
};

/* uring_args.c */
int uring_args_parse(const char *devargs, struct uring_args *args);
int uring_netdev_info(const struct uring_args *args, uint8_t mac[6], uint16_t *mtu);
int uring_netdev_link(const struct uring_args *args, struct bump_port_link *link);
int uring_socket_open(const struct uring_args *args, int *fd);
uint64_t uring_socket_drops(int fd);

/* uring_rx.c */
uint16_t uring_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
int uring_rx_open(struct uring_rxq *q, int fd);
void uring_rx_close(struct uring_rxq *q);

/* uring_tx.c */
uint16_t uring_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
int uring_tx_open(struct uring_txq *q, int fd);
void uring_tx_close(struct uring_txq *q);

#endif /* URING_H */
