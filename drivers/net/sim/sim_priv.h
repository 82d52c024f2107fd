/* SPDX-License-Identifier: MIT */
/*
 * sim_priv.h - the software NIC's hardware model and what its files share.
 *
 * The model is a simple real NIC (Intel 8254x, "legacy" descriptors):
 *
 *   RX ring  the driver writes a buffer's DMA address into a descriptor and
 *            advances the tail register (RDT); the device takes descriptors
 *            from its head (RDH) up to the tail, writes the frame by DMA
 *            address, writes length and errors back, then sets DD.
 *   TX ring  the driver writes address, length and command, advances TDT;
 *            the device reads the frame by address, sets DD (when RS asks
 *            it to: always, here) and advances TDH.
 *
 * Indices are free-running 32-bit counters (slot = index & mask), so "the
 * device has passed descriptor i" is a plain comparison, with no full/empty
 * ambiguity.  The two sides share only the descriptors and the registers;
 * everything else of a queue is either the driver's (the polling thread) or
 * the device's (under the queue's device lock).
 */
#ifndef SIM_PRIV_H
#define SIM_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "bump_sim.h"

/* ---- Descriptors --------------------------------------------------------- */

struct sim_rx_desc {
	uint64_t addr;     /* buffer DMA address; written by the driver */
	uint16_t length;   /* bytes the device wrote (write-back) */
	uint16_t csum;     /* packet checksum (unused) */
	uint8_t status;    /* SIM_RXD_STAT_*: the device sets DD last */
	uint8_t errors;    /* SIM_RXD_ERR_* */
	uint16_t special;  /* VLAN tag (unused) */
};
static_assert(sizeof(struct sim_rx_desc) == 16, "a legacy RX descriptor is 16 bytes");
static_assert(offsetof(struct sim_rx_desc, length) == 8 && offsetof(struct sim_rx_desc, status) == 12 &&
	      offsetof(struct sim_rx_desc, errors) == 13, "legacy RX descriptor layout");

#define SIM_RXD_STAT_DD 0x01   /* descriptor done */
#define SIM_RXD_STAT_EOP 0x02  /* end of packet */
#define SIM_RXD_ERR_RXE 0x80   /* RX data error: here, the device's DMA write was refused */

struct sim_tx_desc {
	uint64_t addr;     /* frame DMA address */
	uint16_t length;
	uint8_t cso;       /* checksum offset (unused) */
	uint8_t cmd;       /* SIM_TXD_CMD_* */
	uint8_t status;    /* SIM_TXD_STAT_*: written back by the device */
	uint8_t css;       /* checksum start (unused) */
	uint16_t special;
};
static_assert(sizeof(struct sim_tx_desc) == 16, "a legacy TX descriptor is 16 bytes");
static_assert(offsetof(struct sim_tx_desc, length) == 8 && offsetof(struct sim_tx_desc, cmd) == 11 &&
	      offsetof(struct sim_tx_desc, status) == 12, "legacy TX descriptor layout");

#define SIM_TXD_CMD_EOP 0x01   /* end of packet */
#define SIM_TXD_CMD_RS 0x08    /* report status: set DD when done */
#define SIM_TXD_STAT_DD 0x01
#define SIM_TXD_STAT_EC 0x02   /* excess collisions: here, the frame could not be read */

/*
 * The status byte is the handshake: the device's release store of DD
 * publishes the rest of the write-back (and the frame), the driver's
 * acquire load pairs with it, as the DD bit and rmb() do on hardware.
 */
static inline uint8_t sim_status_load(const uint8_t *status)
{
	return __atomic_load_n(status, __ATOMIC_ACQUIRE);
}

static inline void sim_status_store(uint8_t *status, uint8_t v)
{
	__atomic_store_n(status, v, __ATOMIC_RELEASE);
}

/*
 * Counters: each has one writer at a time (the polling thread, or whoever
 * holds the queue's device lock), so a relaxed load+store is enough and
 * other threads may read them at any time.
 */
#define SIM_STAT_INC(ctr) __BUMP_STAT_ADD(ctr, 1)
#define SIM_LD(ctr) atomic_load_explicit(&(ctr), memory_order_relaxed)

#define SIM_RING_DEFAULT 512
#define SIM_RING_MIN 64
#define SIM_RING_MAX 4096
#define SIM_RX_REFILL 32         /* RX buffers posted per bulk allocation */
#define SIM_BUF_MAX 16384        /* largest RX buffer size (BSIZE) the device takes */
#define SIM_LINK_SPEED 100000    /* Mb/s */
#define SIM_BAD_IOVA 0xdead0000dead0000ull  /* non-canonical: outside every mapping */

/* ---- Configuration (devargs) --------------------------------------------- */

enum sim_mode { SIM_MODE_LOOPBACK, SIM_MODE_GEN, SIM_MODE_SINK };

struct sim_conf {
	enum sim_mode mode;
	int peer;           /* port id to deliver to (loopback); -1: this port */
	bool check;         /* loopback: check each frame's format and checksum, as a sink */
	uint16_t queues;
	bool thread;
	int cpu;            /* device thread CPU; -1: another than the caller's */
	bool manual;        /* step=manual */
	uint16_t size;      /* generator frame size */
	uint32_t flows;
	uint64_t rate;      /* generator frames/s; 0: unlimited */
	uint8_t mac[6];
};

int sim_args_parse(const char *args, uint16_t port_id, struct sim_conf *conf);
const char *sim_mode_name(enum sim_mode mode);

/* ---- Queues -------------------------------------------------------------- */

struct sim_dev;

struct sim_rx_slot {
	uint64_t dma;      /* the address posted: what a completion must carry */
	bump_ref_t ref;    /* the buffer as its packet handle names it; BUMP_REF_NONE: none */
};

struct sim_rxq {
	/* Shared: the ring and its registers. */
	struct sim_rx_desc *ring;
	uint32_t nb_desc;
	uint32_t mask;
	uint32_t bsize;           /* bytes per buffer the device may write (BSIZE) */
	uint16_t qid;
	struct sim_dev *dev;
	bump_cache_aligned _Atomic uint32_t rdt;  /* written by the driver */
	bump_cache_aligned _Atomic uint32_t rdh;  /* written by the device */

	/* Driver side: the polling thread. */
	bump_cache_aligned struct sim_rx_slot *sw_ring;
	struct bump_pool *pool;
	uint32_t next;            /* next descriptor to complete */
	uint32_t tail;            /* the driver's copy of rdt */
	uint16_t headroom;
	uint16_t port_id;
	uint8_t warned;           /* SIM_WARN_* already logged */
	bool pool_gone;           /* its destroy already reported */
	struct {
		_Atomic uint64_t ipackets, ibytes, rx_nombuf;
		_Atomic uint64_t bad_len, bad_addr, desc_errors, reclaimed;  /* errors: ierrors */
	} st;

	/* Device side: under lock. */
	bump_cache_aligned pthread_mutex_t lock;
	bool enabled;             /* RCTL.EN: set while the port is started */
	uint32_t head;
	uint64_t gen_seq;
	struct {
		_Atomic uint64_t frames, no_desc, disabled, oversize, link_drops, dma_faults;
		_Atomic uint64_t gen_frames;  /* generated here (mode=gen) */
	} dst;
};

struct sim_txq {
	struct sim_tx_desc *ring;
	uint32_t nb_desc;
	uint32_t mask;
	uint16_t qid;
	struct sim_dev *dev;
	bump_cache_aligned _Atomic uint32_t tdt;
	bump_cache_aligned _Atomic uint32_t tdh;

	/* Driver side. */
	bump_cache_aligned struct bump_pkt *sw_ring;
	uint32_t next;            /* oldest descriptor not yet reclaimed */
	uint32_t tail;
	uint32_t early_seen;      /* 1 + the descriptor whose early DD was counted, or 0 */
	uint8_t warned;
	struct {
		_Atomic uint64_t opackets, obytes;
		_Atomic uint64_t lost, tx_errors, link_refused, unmapped, reclaimed;  /* errors: oerrors */
		_Atomic uint64_t early, bogus;  /* device faults ignored: nothing lost */
	} st;

	/* Device side. */
	bump_cache_aligned pthread_mutex_t lock;
	bool enabled;
	uint32_t head;
	struct {
		_Atomic uint64_t frames, link_drops, dma_faults;
	} dst;
	/* The sink's checks of what this queue sends: per queue, so that the
	 * queues of one port, served by different lcores, share no lock. */
	uint64_t sink_next[BUMP_PORT_QUEUE_MAX];  /* by the generator queue in the frame */
	struct {
		_Atomic uint64_t frames, bytes, bad_format, bad_csum, seq_gaps, seq_errors;
	} sink;
};

#define SIM_WARN_BAD_LEN 0x01
#define SIM_WARN_BAD_ADDR 0x02
#define SIM_WARN_DESC_ERR 0x04
#define SIM_WARN_LOST 0x08
#define SIM_WARN_UNMAPPED 0x10
#define SIM_WARN_NOMBUF 0x20
#define SIM_WARN_EARLY 0x40
#define SIM_WARN_BOGUS 0x80

/* ---- The device ---------------------------------------------------------- */

struct sim_dev {
	uint16_t port_id;
	struct sim_conf conf;
	struct sim_rxq *rxq[BUMP_PORT_QUEUE_MAX];
	struct sim_txq *txq[BUMP_PORT_QUEUE_MAX];
	uint16_t nb_rxq;          /* queues set up when the port started */
	uint16_t nb_txq;
	uint16_t nb_rxq_active;   /* RX queues taking frames (peers read it under the table lock) */
	uint16_t nb_txq_active;
	bool started;
	bool inline_step;         /* bursts step the device (no thread, not step=manual) */
	_Atomic bool link_up;
	_Atomic uint32_t fault[BUMP_SIM_FAULT_MAX];
	_Atomic uint64_t faults_fired;
	_Atomic uint64_t rx_disabled;  /* frames for this port while no RX queue took them */
	_Atomic uint64_t no_peer;      /* frames sent while the peer port was not open */

	/* Generator */
	uint64_t gen_start_ns;
	_Atomic uint64_t gen_due_taken;  /* frames of the rate budget already generated */
	uint8_t gen_mac[6];

	/* Device thread */
	pthread_t thread;
	bool thread_running;
	_Atomic bool thread_stop;
};

/* sim_device.c: the device side. */
void *sim_dma_translate(uint64_t iova, size_t len);
bool sim_fault_take(struct sim_dev *dev, enum bump_sim_fault fault);
void sim_dev_rx_write(struct sim_rxq *q, const void *frame, uint16_t len);  /* q->lock held */
unsigned sim_dev_tx_step(struct sim_txq *q, unsigned budget);
unsigned sim_dev_gen_step(struct sim_rxq *q, unsigned budget);
unsigned sim_dev_step(struct sim_dev *dev, unsigned budget);
int sim_dev_thread_start(struct sim_dev *dev);
void sim_dev_thread_stop(struct sim_dev *dev);

/* sim_table.c: which sim device is which port, for peers. */
int sim_table_add(struct sim_dev *dev);
void sim_table_del(struct sim_dev *dev);
void sim_table_set_active(struct sim_dev *dev, uint16_t nb_rxq, uint16_t nb_txq);
void sim_table_set_rxq(struct sim_dev *dev, uint16_t qid, struct sim_rxq *q);
void sim_table_read_lock(void);
void sim_table_read_unlock(void);
/* With the table read-locked: hand a frame sent on @from's TX queue @txqid to its receiver. */
void sim_dev_deliver(struct sim_dev *from, uint16_t txqid, const void *frame, uint16_t len);

/* sim_rxtx.c: the driver's datapath. */
uint16_t sim_rx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
uint16_t sim_tx_burst(void *queue, struct bump_pkt *pkts, uint16_t n);
void sim_rx_refill(struct sim_rxq *q);
void sim_rxq_stop(struct sim_rxq *q);
void sim_txq_stop(struct sim_txq *q);

#endif /* SIM_PRIV_H */
