/* SPDX-License-Identifier: MIT */
/*
 * bump_uring_port.h - the io_uring port driver: what it tells beyond the
 * generic port stats.
 *
 * devargs:
 *   uring:<ifname>[,ring=N]                          raw Ethernet frames of an
 *                                                    interface (AF_PACKET)
 *   uring:udp=<addr:port>[,peer=<addr:port>][,ring=N]  UDP datagrams (payloads)
 *
 * RX is one multishot receive whose buffers come from the RX queue's pool
 * through a provided-buffer ring (bump_uring.h): no copy, no per-packet
 * submission.  TX is one send SQE per packet, submitted once per burst; the
 * buffer goes back to its pool when the send completes.  A UDP port sends
 * to peer= (the socket is connected to it); without one it only receives.
 * One RX and one TX queue per port, each with its own io_uring, so the two
 * may be polled from different threads.
 */
#ifndef BUMP_URING_PORT_H
#define BUMP_URING_PORT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bump_port;

/* Counters since the port was opened. */
struct bump_uring_port_counters {
	uint64_t rx_packets, rx_bytes;
	uint64_t rx_too_long;   /* frames longer than a buffer (dropped) */
	uint64_t rx_enobufs;    /* the receive found the buffer ring empty (then re-armed) */
	uint64_t rx_rearms;     /* multishot receives submitted after the first */
	uint64_t rx_nombuf;     /* buffer ring slots the pool could not fill */
	uint64_t rx_errors;     /* receive completions with another error */
	uint64_t rx_drops;      /* datagrams/frames the socket dropped (receive queue full) */
	uint64_t rx_posted;     /* buffers in the ring now */
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_errors;     /* sends that failed (the packet is dropped) */
	uint64_t tx_inflight;   /* sends submitted, not yet completed */
};

/* 0, or -EINVAL when @port is not a uring port. */
int bump_uring_port_counters_get(struct bump_port *port, struct bump_uring_port_counters *c);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_URING_PORT_H */
