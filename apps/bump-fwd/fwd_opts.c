/* SPDX-License-Identifier: MIT */
/*
 * fwd_opts.c - bump-fwd's command line and --help.
 *
 * Every check that can be made before touching a port is made here, so a
 * typo is reported with the fix before any memory is mapped.
 */
#include "fwd.h"

#include <errno.h>
#include <getopt.h>
#include <numa.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bump_devargs.h"
#include "bump_frame.h"

/* The run bump-fwd does with no --port: the README's main job. */
static const char *const fwd_default_ports[] = {
	"sim:mode=gen,size=64,flows=16",
	"sim:mode=sink",
};
#define FWD_DEFAULT_DURATION 3.0

enum {
	OPT_PORT = 256, OPT_FWD, OPT_BURST, OPT_RXQ, OPT_TXQ, OPT_RXD, OPT_TXD, OPT_LCORES,
	OPT_DURATION, OPT_NB_MBUFS, OPT_BUF_SIZE, OPT_TXPKTS, OPT_ETH_PEER, OPT_NO_HUGE,
	OPT_STATS_PERIOD, OPT_TX_FIRST, OPT_TEST_LEAK, OPT_FORCE_UNBIND, OPT_RX_POOLS,
	/* testpmd's names for the same settings (issue 12) */
	OPT_NB_CORES, OPT_TOTAL_NUM_MBUFS, OPT_MBUF_SIZE, OPT_AUTO_START, OPT_LOG_LEVEL, OPT_JSON,
};

static const struct option fwd_long_opts[] = {
	{ "port", required_argument, NULL, OPT_PORT },
	{ "fwd", required_argument, NULL, OPT_FWD },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "rxq", required_argument, NULL, OPT_RXQ },
	{ "txq", required_argument, NULL, OPT_TXQ },
	{ "rxd", required_argument, NULL, OPT_RXD },
	{ "txd", required_argument, NULL, OPT_TXD },
	{ "lcores", required_argument, NULL, OPT_LCORES },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "nb-mbufs", required_argument, NULL, OPT_NB_MBUFS },
	{ "buf-size", required_argument, NULL, OPT_BUF_SIZE },
	{ "rx-pools", required_argument, NULL, OPT_RX_POOLS },
	{ "txpkts", required_argument, NULL, OPT_TXPKTS },
	{ "eth-peer", required_argument, NULL, OPT_ETH_PEER },
	{ "no-huge", no_argument, NULL, OPT_NO_HUGE },
	{ "force-unbind", no_argument, NULL, OPT_FORCE_UNBIND },
	{ "stats-period", required_argument, NULL, OPT_STATS_PERIOD },
	{ "tx-first", optional_argument, NULL, OPT_TX_FIRST },
	{ "test-leak", required_argument, NULL, OPT_TEST_LEAK },  /* hidden: for test/fwd */
	{ "forward-mode", required_argument, NULL, OPT_FWD },
	{ "nb-cores", required_argument, NULL, OPT_NB_CORES },
	{ "total-num-mbufs", required_argument, NULL, OPT_TOTAL_NUM_MBUFS },
	{ "mbuf-size", required_argument, NULL, OPT_MBUF_SIZE },
	{ "auto-start", no_argument, NULL, OPT_AUTO_START },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void fwd_opts_usage(FILE *out)
{
	fprintf(out,
		"Usage: bump-fwd [options]\n"
		"A testpmd-like forwarder on bump ports and pools.\n"
		"\n"
		"With no --port it runs the built-in benchmark for %.0f s:\n"
		"  port 0 '%s' (a generator)\n"
		"  -> io forwarding on one lcore -> port 1 '%s'\n"
		"and prints the forwarding rate in Mpps.\n"
		"\n"
		"Ports (paired 0<->1, 2<->3, ...; an odd last port forwards to itself):\n"
		"  --port DEVARGS       open a port; repeat for more (e.g. sim:mode=loopback,\n"
		"                       sim:mode=gen,size=64,flows=16, sim:mode=sink; add\n"
		"                       ',thread=1,cpu=N' for a device thread on CPU N, a CPU\n"
		"                       that --lcores leaves free); other drivers:\n"
		"                       afxdp:IF[,queue=N][,mode=native|skb],\n"
		"                       uring:IF (io_uring, raw frames of IF),\n"
		"                       uring:udp=ADDR:PORT[,peer=ADDR:PORT] (datagrams),\n"
		"                       vfio:PCI-ADDRESS, dpdk:DEVARGS\n"
		"  --force-unbind       a vfio: port's device on a kernel driver is bound to\n"
		"                       vfio-pci first, as dpdk-devbind.py --bind does, and\n"
		"                       refused while one of its interfaces carries the default\n"
		"                       route or is up with an address; this unbinds it anyway\n"
		"  --rxq N, --txq N     RX / TX queues per port (default 1; --txq defaults to --rxq)\n"
		"  --rxd N, --txd N     RX / TX ring size (default: the driver's)\n"
		"\n"
		"Forwarding:\n"
		"  --fwd MODE           %s (default io)\n",
		FWD_DEFAULT_DURATION, fwd_default_ports[0], fwd_default_ports[1], fwd_engine_names());
	for (unsigned i = 0; fwd_engines[i]; i++)
		fprintf(out, "                         %-8s %s\n", fwd_engines[i]->name,
			fwd_engines[i]->help);
	fprintf(out,
		"  --burst N            packets per RX/TX burst (default 32, at most %d)\n"
		"  --txpkts SIZE        txonly / --tx-first frame size in bytes (default 64)\n"
		"  --tx-first[=N]       send N bursts (default 1) of txonly frames on every\n"
		"                       stream first, to start traffic between loopback ports\n"
		"  --eth-peer P,MAC     mac mode: destination MAC of frames sent on port P\n"
		"                       (default 02:00:00:00:00:P)\n"
		"  --lcores LIST        CPUs of the forwarding threads, e.g. 1 or 2-3,5 (default:\n"
		"                       one thread on the last CPU of the process's affinity)\n"
		"\n"
		"Memory (one region + arena per NUMA node, pools for the RX queues):\n"
		"  --nb-mbufs N         buffers per port (default 8192)\n"
		"  --rx-pools queue|lcore  one pool per RX queue (default), or one per lcore\n"
		"                       and arena, shared by the RX queues the lcore polls, as\n"
		"                       a DPDK program's ports share one mbuf pool\n"
		"  --buf-size BYTES     buffer size, a multiple of 64 from 1024 (default 4096); an\n"
		"                       odd number of cache lines (2368) spreads dpdk: ports' mbuf\n"
		"                       headers over the L1 sets (drivers that need a power of two\n"
		"                       say so)\n"
		"  --no-huge            use 4 KiB pages on purpose (hugepages are used when free,\n"
		"                       with one warning when they are not)\n"
		"\n"
		"Run:\n"
		"  --duration SECONDS   stop after this long (default: until Ctrl-C with --port,\n"
		"                       %.0f s for the built-in run); SIGINT/SIGTERM stop cleanly\n"
		"  --stats-period SEC   seconds between stats lines (default 1; 0: summary only)\n"
		"  --json               print the summary as one line of JSON as well\n"
		"                       ({\"bump_fwd_summary\": ...}, after the text summary)\n"
		"  --log-level LEVEL    bump's messages from this level up: error, warning, info\n"
		"                       (default) or debug\n"
		"  -h, --help           this text\n"
		"  --version            print bump's version\n"
		"\n"
		"testpmd's names are accepted for the same settings:\n"
		"  --forward-mode MODE  --fwd MODE\n"
		"  --nb-cores N         N forwarding threads: the first N CPUs of --lcores, or\n"
		"                       without --lcores the last N CPUs of the affinity\n"
		"  --total-num-mbufs N  buffers of all ports together: --nb-mbufs N/ports\n"
		"                       (rounded up)\n"
		"  --mbuf-size BYTES    buffer size with headroom: --buf-size rounded up to a\n"
		"                       power of two (testpmd's 2176 gives 4096)\n"
		"  --auto-start         accepted and ignored: bump-fwd always starts forwarding\n"
		"  (--burst, --rxq, --txq, --rxd, --txd, --txpkts, --eth-peer, --tx-first and\n"
		"  --stats-period already have testpmd's names and meaning)\n"
		"\n"
		"Stats, every period and in the summary:\n"
		"  per port   rx/tx Mpps (the summary adds bytes and Gbps: frame bytes, no\n"
		"             preamble or gap); drop = imissed + packets TX refused (freed\n"
		"             here); nombuf; its pools' allocations per second and how the\n"
		"             owner's cache was fed: fast (recycled into it directly), refill\n"
		"             (from the recycle ring), slow (from the arena), counted after the\n"
		"             RX rings' first fill ('alloc none' for a sink); recycling split\n"
		"             as cached / ring; buffers in flight now\n"
		"  per lcore  busy share, TSC cycles per packet, CPU time the thread got\n"
		"\n"
		"Environment:\n"
		"  BUMP_EAL_ARGS        DPDK EAL arguments for dpdk: ports, split on white space\n"
		"                       (e.g. \"--in-memory --vdev=net_ring0\"; default: bump's own,\n"
		"                       whose runtime directory /var/run/dpdk/bump-PID goes at exit)\n"
		"  BUMP_CHECKED=1|0     checked mode for every pool and port: each double put\n"
		"                       caught, TX packet handles checked (on in sanitizer builds)\n"
		"  BUMP_NO_AVX512=1     the portable bulk loops even on a CPU with AVX-512\n"
		"  BUMP_TELEMETRY=0     no telemetry socket (by default bump-stat and\n"
		"                       dpdk-telemetry.py can watch the run; see bump-stat --help)\n"
		"\n"
		"Exit status: 0; 2 for a bad command line; 1 when setup failed or a pool still\n"
		"had buffers in flight after the ports stopped (the message names the pool).\n",
		FWD_BURST_MAX, FWD_DEFAULT_DURATION);
}

static int fwd_opts_uint(const char *opt, const char *arg, unsigned long min, unsigned long max,
			 unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr, "bump-fwd: --%s '%s': give a whole number from %lu to %lu\n", opt,
			arg, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int fwd_opts_seconds(const char *opt, const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v >= 0) || v > 1e7) {
		fprintf(stderr, "bump-fwd: --%s '%s': give a number of seconds, 0 or more (e.g. 1.5)\n",
			opt, arg);
		return -1;
	}
	*out = v;
	return 0;
}

/*
 * "1", "0,2", "2-3,5": CPUs this process may run on, in increasing order.
 * libnuma parses the list (numa_parse_cpustring_all: CPUs the machine has);
 * its other forms ("all", "!", "+") are not testpmd's and are refused.
 */
static int fwd_opts_lcores(const char *arg, struct fwd_config *cfg)
{
	struct bitmask *cpus = NULL;
	cpu_set_t allowed;
	int ret = -1;

	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		perror("bump-fwd: sched_getaffinity");
		return -1;
	}
	cfg->nb_lcores = 0;
	if (arg[0] && strspn(arg, "0123456789,-") == strlen(arg))
		cpus = numa_parse_cpustring_all(arg);
	for (unsigned cpu = 0; cpus && cpu < numa_bitmask_nbytes(cpus) * 8; cpu++) {
		if (!numa_bitmask_isbitset(cpus, cpu))
			continue;
		if (cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, &allowed)) {
			fprintf(stderr, "bump-fwd: --lcores: CPU %u is not available to this process "
				"(%d CPUs are): pick CPUs from `taskset -cp $$`\n", cpu,
				CPU_COUNT(&allowed));
			goto out;
		}
		if (cfg->nb_lcores == FWD_MAX_LCORES) {
			fprintf(stderr, "bump-fwd: --lcores: at most %d forwarding threads\n",
				FWD_MAX_LCORES);
			goto out;
		}
		cfg->lcores[cfg->nb_lcores++] = (int)cpu;
	}
	if (cfg->nb_lcores)
		ret = 0;
	else
		fprintf(stderr, "bump-fwd: --lcores '%s': give numbers and ranges of this machine's "
			"CPUs, e.g. 1 or 2-3,5\n", arg);
out:
	if (cpus)
		numa_bitmask_free(cpus);
	return ret;
}

/* --log-level: applies at once, so the rest of the set-up obeys it. */
static int fwd_opts_log_level(const char *arg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

	static_assert(BUMP_LOG_ERR == 0 && BUMP_LOG_DEBUG == 3, "names[] follows the levels");

	for (unsigned i = 0; i < BUMP_ARRAY_SIZE(names); i++)
		if (!strcmp(arg, names[i])) {
			bump_log_set_level((enum bump_log_level)i);
			return 0;
		}
	fprintf(stderr, "bump-fwd: --log-level '%s': use error, warning, info or debug\n", arg);
	return -1;
}

/* "P,aa:bb:cc:dd:ee:ff" */
static int fwd_opts_eth_peer(const char *arg, struct fwd_config *cfg)
{
	const char *comma = strchr(arg, ',');
	unsigned long port;
	char *end;

	errno = 0;
	port = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || errno || end != comma || port >= FWD_MAX_PORTS) {
		fprintf(stderr, "bump-fwd: --eth-peer '%s': give PORT,MAC with PORT below %d, e.g. "
			"0,02:00:00:00:00:01\n", arg, FWD_MAX_PORTS);
		return -1;
	}
	if (bump_devargs_mac("bump-fwd", "--eth-peer", comma + 1, cfg->eth_peer[port]))
		return -1;  /* bump_error() logged why */
	cfg->eth_peer_set[port] = true;
	return 0;
}

/*
 * testpmd's --nb-cores N: the first N of --lcores, or without --lcores the
 * last N CPUs of the affinity (the default thread's CPU is the last one).
 */
static int fwd_opts_nb_cores(unsigned n, struct fwd_config *cfg)
{
	cpu_set_t allowed;
	unsigned avail;

	if (cfg->nb_lcores) {
		if (n > cfg->nb_lcores) {
			fprintf(stderr, "bump-fwd: --nb-cores %u but --lcores lists %u CPUs: list "
				"more CPUs or lower --nb-cores\n", n, cfg->nb_lcores);
			return -1;
		}
		cfg->nb_lcores = n;
		return 0;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		perror("bump-fwd: sched_getaffinity");
		return -1;
	}
	avail = (unsigned)CPU_COUNT(&allowed);
	if (n > avail) {
		fprintf(stderr, "bump-fwd: --nb-cores %u but this process may use %u CPUs (`taskset "
			"-cp $$`): lower --nb-cores\n", n, avail);
		return -1;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &allowed) && avail-- <= n)
			cfg->lcores[cfg->nb_lcores++] = cpu;
	return 0;
}

static void fwd_opts_defaults(struct fwd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->engine = fwd_engine_find("io");
	cfg->burst = 32;
	cfg->nb_mbufs = 8192;
	cfg->buf_size = 4096;
	cfg->txpkts = 64;
	cfg->stats_period = 1.0;
	cfg->duration = -1;  /* resolved after parsing: depends on --port */
}

enum fwd_opts_result fwd_opts_parse(int argc, char **argv, struct fwd_config *cfg)
{
	unsigned txq = 0, nb_cores = 0, total_mbufs = 0;
	bool nb_mbufs_set = false;
	int c, err = 0;

	fwd_opts_defaults(cfg);
	opterr = 0;  /* our messages, not getopt's */
	while (!err && (c = getopt_long(argc, argv, "h", fwd_long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PORT:
			if (cfg->nb_ports == FWD_MAX_PORTS) {
				fprintf(stderr, "bump-fwd: at most %d --port options\n", FWD_MAX_PORTS);
				err = 1;
			} else {
				cfg->devargs[cfg->nb_ports++] = optarg;
			}
			break;
		case OPT_FWD:
			cfg->engine = fwd_engine_find(optarg);
			if (!cfg->engine) {
				fprintf(stderr, "bump-fwd: --fwd '%s': unknown mode; use one of %s\n",
					optarg, fwd_engine_names());
				err = 1;
			}
			break;
		case OPT_RX_POOLS:
			cfg->pool_per_lcore = !strcmp(optarg, "lcore");
			if (!cfg->pool_per_lcore && strcmp(optarg, "queue")) {
				fprintf(stderr, "bump-fwd: --rx-pools '%s': use queue or lcore\n",
					optarg);
				err = 1;
			}
			break;
		case OPT_BURST:
			err = fwd_opts_uint("burst", optarg, 1, FWD_BURST_MAX, &cfg->burst);
			break;
		case OPT_RXQ:
			err = fwd_opts_uint("rxq", optarg, 1, BUMP_PORT_QUEUE_MAX, &cfg->nb_rxq);
			break;
		case OPT_TXQ:
			err = fwd_opts_uint("txq", optarg, 1, BUMP_PORT_QUEUE_MAX, &txq);
			break;
		case OPT_RXD:
			err = fwd_opts_uint("rxd", optarg, 1, UINT16_MAX, &cfg->rxd);
			break;
		case OPT_TXD:
			err = fwd_opts_uint("txd", optarg, 1, UINT16_MAX, &cfg->txd);
			break;
		case OPT_LCORES:
			err = fwd_opts_lcores(optarg, cfg);
			break;
		case OPT_DURATION:
			err = fwd_opts_seconds("duration", optarg, &cfg->duration);
			break;
		case OPT_NB_MBUFS:
			err = fwd_opts_uint("nb-mbufs", optarg, 64, BUMP_ARENA_PAGES_MAX, &cfg->nb_mbufs);
			nb_mbufs_set = true;
			break;
		case OPT_TOTAL_NUM_MBUFS:
			err = fwd_opts_uint("total-num-mbufs", optarg, 64,
					    (unsigned long)BUMP_ARENA_PAGES_MAX * FWD_MAX_PORTS, &total_mbufs);
			break;
		case OPT_MBUF_SIZE:
			err = fwd_opts_uint("mbuf-size", optarg, 1, 1u << 20, &cfg->buf_size);
			cfg->buf_size = cfg->buf_size < 1024 ? 1024 : cfg->buf_size;
			while (cfg->buf_size & (cfg->buf_size - 1))
				cfg->buf_size += cfg->buf_size & -cfg->buf_size;
			break;
		case OPT_NB_CORES:
			err = fwd_opts_uint("nb-cores", optarg, 1, FWD_MAX_LCORES, &nb_cores);
			break;
		case OPT_AUTO_START:
			break;
		case OPT_BUF_SIZE:
			err = fwd_opts_uint("buf-size", optarg, 1024, 1u << 20, &cfg->buf_size);
			if (!err && cfg->buf_size % 64) {
				fprintf(stderr, "bump-fwd: --buf-size %u: give a multiple of 64 (2368, "
					"4096, ...)\n", cfg->buf_size);
				err = 1;
			}
			break;
		case OPT_TXPKTS:
			/* txonly sends self-checking sim frames: headers and a tag at least. */
			err = fwd_opts_uint("txpkts", optarg, BUMP_FRAME_MIN, BUMP_FRAME_MAX,
					    &cfg->txpkts);
			break;
		case OPT_TX_FIRST:
			cfg->tx_first = 1;
			if (optarg)
				err = fwd_opts_uint("tx-first", optarg, 1, 1024, &cfg->tx_first);
			break;
		case OPT_ETH_PEER:
			err = fwd_opts_eth_peer(optarg, cfg);
			break;
		case OPT_NO_HUGE:
			cfg->no_huge = true;
			break;
		case OPT_FORCE_UNBIND:
			cfg->force_unbind = true;
			break;
		case OPT_STATS_PERIOD:
			err = fwd_opts_seconds("stats-period", optarg, &cfg->stats_period);
			break;
		case OPT_TEST_LEAK:
			err = fwd_opts_uint("test-leak", optarg, 1, BUMP_POOL_CACHE_SIZE, &cfg->test_leak);
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case OPT_LOG_LEVEL:
			err = fwd_opts_log_level(optarg);
			break;
		case 'h':
			fwd_opts_usage(stdout);
			return FWD_OPTS_EXIT_OK;
		case 'V':
			printf("bump-fwd %s\n", bump_version());
			return FWD_OPTS_EXIT_OK;
		default:
			fprintf(stderr, "bump-fwd: unknown or incomplete option '%s'; see bump-fwd "
				"--help\n", argv[optind - 1]);
			err = 1;
		}
	}
	if (err)
		return FWD_OPTS_EXIT_ERR;
	if (optind < argc) {
		fprintf(stderr, "bump-fwd: unexpected argument '%s': ports are given with --port "
			"DEVARGS; see bump-fwd --help\n", argv[optind]);
		return FWD_OPTS_EXIT_ERR;
	}

	if (!cfg->nb_ports) {
		cfg->embedded = true;
		for (unsigned i = 0; i < BUMP_ARRAY_SIZE(fwd_default_ports); i++)
			cfg->devargs[cfg->nb_ports++] = fwd_default_ports[i];
	}
	if (cfg->duration < 0)
		cfg->duration = cfg->embedded ? FWD_DEFAULT_DURATION : 0;
	if (nb_cores && fwd_opts_nb_cores(nb_cores, cfg))
		return FWD_OPTS_EXIT_ERR;
	if (total_mbufs) {
		if (nb_mbufs_set) {
			fprintf(stderr, "bump-fwd: give --nb-mbufs (per port) or --total-num-mbufs (all "
				"ports), not both\n");
			return FWD_OPTS_EXIT_ERR;
		}
		cfg->nb_mbufs = (total_mbufs + cfg->nb_ports - 1) / cfg->nb_ports;
		if (cfg->nb_mbufs < 64 || cfg->nb_mbufs > BUMP_ARENA_PAGES_MAX) {
			fprintf(stderr, "bump-fwd: --total-num-mbufs %u gives %u buffers to each of %u "
				"ports: give from %u to %lu\n", total_mbufs, cfg->nb_mbufs,
				cfg->nb_ports, 64 * cfg->nb_ports,
				(unsigned long)BUMP_ARENA_PAGES_MAX * cfg->nb_ports);
			return FWD_OPTS_EXIT_ERR;
		}
	}
	if (!cfg->nb_rxq)
		cfg->nb_rxq = 1;
	cfg->nb_txq = txq ? txq : cfg->nb_rxq;
	for (unsigned p = cfg->nb_ports; p < FWD_MAX_PORTS; p++)
		if (cfg->eth_peer_set[p]) {
			fprintf(stderr, "bump-fwd: --eth-peer names port %u, but only %u ports are "
				"given\n", p, cfg->nb_ports);
			return FWD_OPTS_EXIT_ERR;
		}
	if (cfg->txpkts + FWD_HEADROOM > cfg->buf_size) {
		fprintf(stderr, "bump-fwd: --txpkts %u does not fit a %u-byte buffer after its "
			"%d-byte headroom: raise --buf-size\n", cfg->txpkts, cfg->buf_size,
			FWD_HEADROOM);
		return FWD_OPTS_EXIT_ERR;
	}
	return FWD_OPTS_RUN;
}
