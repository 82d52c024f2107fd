/* SPDX-License-Identifier: MIT */
/*
 * fwd.h - bump-fwd, a testpmd-like forwarder on bump ports: the objects its
 * modules share.
 *
 *   fwd_main.c     the run: setup, the stats loop, the stop and the teardown
 *   fwd_opts.c     command line and --help
 *   fwd_setup.c    ports, memory (region + arena per NUMA node), streams, lcores
 *   fwd_lcore.c    the forwarding threads: pools, the poll loop, destroy
 *   fwd_engines.c  forwarding modes (io, mac, macswap, rxonly, txonly)
 *   fwd_stats.c    the per-second line, the summary and the inflight check
 *
 * A stream is one RX queue of one port and the TX queue of its peer port
 * that it forwards to; each lcore (a pinned thread) polls its streams and
 * owns the pools of their RX queues (one each, or one for all: --rx-pools).
 */
#ifndef FWD_H
#define FWD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/if_ether.h>

#include "bump.h"
#include "bump_port.h"

#define FWD_MAX_PORTS BUMP_PORT_MAX
#define FWD_MAX_LCORES 64
#define FWD_MAX_STREAMS (FWD_MAX_PORTS * BUMP_PORT_QUEUE_MAX)
#define FWD_BURST_MAX 512
/* Where a packet starts in its buffer: the RX queues' headroom, and txonly's. */
#define FWD_HEADROOM BUMP_PORT_HEADROOM_DEFAULT

/*
 * A counter written by one thread and read by another: a relaxed load and
 * store (a plain add on x86), not an atomic read-modify-write, and no race.
 */
#define FWD_STAT_ADD(ctr, n) \
	atomic_store_explicit(&(ctr), atomic_load_explicit(&(ctr), memory_order_relaxed) + (n), \
			      memory_order_relaxed)
#define FWD_STAT_GET(ctr) atomic_load_explicit(&(ctr), memory_order_relaxed)

/*
 * A failing bump call has already logged why and what to do ("bump: error:
 * ..." on stderr); bump-fwd's own line only adds which step it was.
 */
#define FWD_SEE_ABOVE "bump's error above says why and what to do"

/* A cheap clock for the lcores' busy time: the TSC on x86, nanoseconds elsewhere. */
static inline uint64_t fwd_cycles(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	return bump_time_ns();
#endif
}

struct fwd_stream;

/* A forwarding mode: one call handles one burst of one stream; returns the packets handled. */
struct fwd_engine {
	const char *name;
	const char *help;
	bool uses_rx;  /* polls RX queues (all but txonly) */
	bool uses_tx;  /* sends on TX queues (all but rxonly) */
	unsigned (*burst)(struct fwd_stream *fs);
};

const struct fwd_engine *fwd_engine_find(const char *name);
/* "io|mac|...", for messages. */
const char *fwd_engine_names(void);
extern const struct fwd_engine *const fwd_engines[];

/* Everything the command line sets (fwd_opts.c). */
struct fwd_config {
	const char *devargs[FWD_MAX_PORTS];
	unsigned nb_ports;
	bool embedded;              /* no --port: the built-in gen -> io -> sink run */
	const struct fwd_engine *engine;
	unsigned burst;
	unsigned nb_rxq, nb_txq;    /* queues per port */
	unsigned rxd, txd;          /* ring sizes (0: the driver's default) */
	int lcores[FWD_MAX_LCORES]; /* CPUs of the forwarding threads */
	unsigned nb_lcores;         /* 0: chosen by fwd_setup */
	double duration;            /* seconds; 0: until SIGINT/SIGTERM */
	unsigned nb_mbufs;          /* buffers per port: sizes the regions */
	unsigned buf_size;          /* bytes per buffer, a power of two */
	bool pool_per_lcore;        /* --rx-pools lcore: an lcore's RX queues on one arena share a pool */
	unsigned txpkts;            /* txonly frame size */
	bool eth_peer_set[FWD_MAX_PORTS];
	uint8_t eth_peer[FWD_MAX_PORTS][ETH_ALEN];
	bool no_huge;
	bool force_unbind;          /* bind vfio: devices even when their interface is in use */
	double stats_period;        /* seconds between stats lines; 0: none */
	bool json;                  /* --json: the summary as JSON too */
	unsigned tx_first;          /* bursts of txonly frames each stream sends first */
	unsigned test_leak;         /* hidden: buffers an lcore keeps, to test the leak check */
};

/* Result of fwd_opts_parse(). */
enum fwd_opts_result { FWD_OPTS_RUN, FWD_OPTS_EXIT_OK, FWD_OPTS_EXIT_ERR };
enum fwd_opts_result fwd_opts_parse(int argc, char **argv, struct fwd_config *cfg);

/* Counters of one stream, written by its lcore, read by the main thread. */
struct fwd_counters {
	_Atomic uint64_t rx;       /* packets received */
	_Atomic uint64_t tx;       /* packets the TX queue accepted */
	_Atomic uint64_t tx_drop;  /* packets TX refused, freed by the forwarder */
	_Atomic uint64_t nobuf;    /* txonly: allocations that failed */
};

struct fwd_port {
	struct bump_port *port;
	struct bump_port_info info;
	unsigned idx;               /* index in fwd_app.ports */
	unsigned peer;              /* the port this one's packets are sent to */
	uint8_t peer_mac[ETH_ALEN];  /* mac mode: destination for frames sent here */
	struct bump_dma_dev *dma;   /* what RX pools are mapped for (info.dma_dev); NULL: none */
	/* txonly: sequence per TX queue, written by the one lcore sending on it. */
	uint64_t tx_seq[BUMP_PORT_QUEUE_MAX];
	struct bump_region *region;  /* shared by the ports on one NUMA node */
	struct bump_arena *arena;
	bool owns_memory;            /* this port created them (and frees them) */
	/* Written by the owning lcore before the setup barrier, read after it. */
	struct bump_pool *pools[BUMP_PORT_QUEUE_MAX];
	bool opened, started;
};

struct fwd_stream {
	struct fwd_port *rx;
	struct fwd_port *tx;
	uint16_t rxq, txq;
	unsigned burst;
	struct bump_pool *pool;     /* the RX queue's pool, owned by this stream's lcore */
	struct fwd_lcore *lcore;
	uint16_t txpkts;            /* txonly and --tx-first frame size */
	bump_cache_aligned struct fwd_counters cnt;
};

struct fwd_app;

/* An lcore's CPU time over its forwarding loop (fwd_lcore.c). */
struct fwd_cpu_usage {
	uint64_t wall_ns;
	uint64_t cpu_ns;       /* user + system time of the thread */
	uint64_t preempted;    /* involuntary context switches: another task took the CPU */
};

struct fwd_lcore {
	unsigned idx;
	int cpu;
	pthread_t thread;
	bool thread_started;
	struct fwd_app *app;
	struct fwd_stream *streams[FWD_MAX_STREAMS];
	unsigned nb_streams;
	int error;                  /* setup failed in this thread (message logged) */
	/* Written by the lcore each loop, read by the main thread for stats. */
	_Atomic uint64_t busy_cycles;  /* fwd_cycles() spent in loops that moved packets */
	_Atomic uint64_t packets;      /* packets those loops handled */
	_Atomic uint64_t passes;       /* passes over the streams */
	_Atomic uint64_t idle_passes;  /* passes that found no packet */
	struct fwd_cpu_usage usage;    /* set when the loop ends, read after barrier 3 */
	void **leak;                /* --test-leak: buffers kept on purpose */
	unsigned nb_leak;
};

struct fwd_app {
	struct fwd_config cfg;
	struct fwd_port ports[FWD_MAX_PORTS];
	unsigned nb_ports;
	struct fwd_stream streams[FWD_MAX_STREAMS];
	unsigned nb_streams;
	struct fwd_lcore lcores[FWD_MAX_LCORES];
	unsigned nb_lcores;
	bool bad_cmdline;  /* setup refused a value from the command line: exit 2, as --help says */
	/*
	 * The lcores and the main thread meet at four points: pools created,
	 * ports started (go), forwarding stopped, ports stopped (pools may go).
	 */
	pthread_barrier_t barrier;
	pthread_barrier_t lcore_barrier;  /* the lcores alone: --tx-first */
	atomic_int gate;            /* fwd_lcore.c: threads start once all exist */
	atomic_bool stop;
	atomic_bool abort;          /* setup failed: lcores skip the forwarding loop */
	atomic_uint lcores_polled;  /* lcores past their first poll (fwd_lcore_first_poll) */
};

/* fwd_setup.c */
int fwd_setup_ports(struct fwd_app *app);
int fwd_setup_memory(struct fwd_app *app);
int fwd_setup_streams(struct fwd_app *app);
int fwd_setup_queues(struct fwd_app *app);
int fwd_start_ports(struct fwd_app *app);
void fwd_stop_ports(struct fwd_app *app);
void fwd_close_ports(struct fwd_app *app);
int fwd_free_memory(struct fwd_app *app);

/* fwd_lcore.c */
int fwd_lcores_launch(struct fwd_app *app);
/* Meet the lcores at the next barrier (main thread side). */
void fwd_lcores_sync(struct fwd_app *app);
/* Join them and free what launch set up. */
void fwd_lcores_done(struct fwd_app *app);

/* fwd_stats.c */
struct fwd_stats;
struct fwd_stats *fwd_stats_new(const struct fwd_app *app);
void fwd_stats_free(struct fwd_stats *st);
/* Remember counters now: the start of the measured interval. */
void fwd_stats_begin(struct fwd_stats *st);
/* After every lcore's first poll: the pools' shares start from here. */
void fwd_stats_rings_filled(struct fwd_stats *st);
/* Print one line per port for the interval since the last call. */
void fwd_stats_print_interval(struct fwd_stats *st);
/* The summary since fwd_stats_begin(). */
void fwd_stats_print_summary(struct fwd_stats *st);
/* The summary as one line of JSON (--json), after fwd_stats_print_summary(). */
void fwd_stats_print_json(struct fwd_stats *st);
/* Report pools still holding buffers (bump_pool_list); returns how many. */
unsigned fwd_stats_check_inflight(void);

/* fwd_engines.c: --tx-first, one burst of txonly frames to start a loop. */
void fwd_engine_tx_first(struct fwd_stream *fs);

#endif /* FWD_H */
