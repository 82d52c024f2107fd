/* SPDX-License-Identifier: MIT */
/*
 * fwd_setup.c - bump-fwd's control path: open the ports and pair them,
 * spread the streams over the lcores, give the ports memory on the NUMA node
 * of the lcores that poll them, bind the RX queues to the pools the lcores
 * created, start, stop, close and free.
 *
 * Memory layout, as testpmd's mbuf pool per socket: one region + arena per
 * NUMA node, shared by every port polled there, and one pool per RX queue.
 * A buffer received on one port can then be sent on another where it lies
 * (AF_XDP ports sharing a UMEM forward without a copy), and a queue that
 * runs dry borrows pages its siblings are not using.
 */
#include "fwd.h"

#include <errno.h>
#include <numa.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "bump_vfio.h"
#include "bump_vfio_bus.h"

/*
 * A vfio: port's device still on its kernel driver goes to vfio-pci first,
 * unless the kernel uses it (bump_vfio_bind refuses, saying how to free it).
 */
static int fwd_bind_vfio(struct fwd_app *app, unsigned p)
{
	const char *devargs = app->cfg.devargs[p];
	char addr[64];
	unsigned flags;
	int ret;

	if (strncmp(devargs, "vfio:", 5))
		return 0;
	ret = bump_vfio_parse_args(devargs + 5, addr, sizeof(addr), &flags);
	if (!ret)
		ret = bump_vfio_bind(addr, app->cfg.force_unbind ? BUMP_VFIO_BIND_F_FORCE : 0);
	if (ret == -EBUSY)
		fprintf(stderr, "bump-fwd: port %u '%s': its device is in use by the kernel; free "
			"it as said above, or pass --force-unbind to unbind it anyway\n", p, devargs);
	else if (ret < 0)
		fprintf(stderr, "bump-fwd: port %u '%s' did not open; %s\n", p,
			devargs, FWD_SEE_ABOVE);
	else if (ret == 1)
		printf("bump-fwd: port %u: %s is now bound to vfio-pci\n", p, addr);
	/* Bad devargs are the command line's fault (exit 2). */
	app->bad_cmdline = ret == -EINVAL;
	return ret < 0 ? ret : 0;
}

int fwd_setup_ports(struct fwd_app *app)
{
	const struct fwd_config *cfg = &app->cfg;

	for (unsigned p = 0; p < cfg->nb_ports; p++) {
		struct fwd_port *fp = &app->ports[p];
		int ret = fwd_bind_vfio(app, p);

		if (ret)
			return ret;
		ret = bump_port_open(cfg->devargs[p], &fp->port);
		if (ret) {
			fprintf(stderr, "bump-fwd: port %u '%s' did not open; %s\n", p,
				cfg->devargs[p], FWD_SEE_ABOVE);
			/* Bad devargs or no such driver: the command line's fault (exit 2). */
			app->bad_cmdline = ret == -EINVAL || ret == -ENOENT;
			return ret;
		}
		fp->opened = true;
		fp->idx = p;
		app->nb_ports = p + 1;
		bump_port_info_get(fp->port, &fp->info);
		if (fp->info.max_rx_queues < cfg->nb_rxq || fp->info.max_tx_queues < cfg->nb_txq) {
			fprintf(stderr, "bump-fwd: port %u '%s' has at most %u RX and %u TX queues: "
				"lower --rxq/--txq (asked %u/%u) or add queues=N to its devargs\n",
				p, cfg->devargs[p], fp->info.max_rx_queues, fp->info.max_tx_queues,
				cfg->nb_rxq, cfg->nb_txq);
			app->bad_cmdline = true;
			return -EINVAL;
		}
	}
	for (unsigned p = 0; p < app->nb_ports; p++) {
		struct fwd_port *fp = &app->ports[p];

		/* testpmd's paired topology: 0<->1, 2<->3; a last odd port talks to itself. */
		fp->peer = (p ^ 1) < app->nb_ports ? p ^ 1 : p;
		if (cfg->eth_peer_set[p]) {
			memcpy(fp->peer_mac, cfg->eth_peer[p], ETH_ALEN);
		} else {
			static const uint8_t def[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0 };

			memcpy(fp->peer_mac, def, ETH_ALEN);
			fp->peer_mac[5] = (uint8_t)p;
		}
	}
	return 0;
}

/* The last CPU this process may use: with two, the main thread keeps the first. */
static int fwd_default_lcore(void)
{
	cpu_set_t set;
	int last = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			last = cpu;
	return last;
}

int fwd_setup_streams(struct fwd_app *app)
{
	const struct fwd_config *cfg = &app->cfg;
	/* Which lcore sends on each (port, TX queue): a TX queue has one sender. */
	int tx_user[FWD_MAX_PORTS][BUMP_PORT_QUEUE_MAX];

	app->nb_lcores = cfg->nb_lcores ? cfg->nb_lcores : 1;
	for (unsigned l = 0; l < app->nb_lcores; l++) {
		app->lcores[l].idx = l;
		app->lcores[l].cpu = cfg->nb_lcores ? cfg->lcores[l] : fwd_default_lcore();
		app->lcores[l].app = app;
	}
	app->nb_streams = app->nb_ports * cfg->nb_rxq;
	if (app->nb_lcores > app->nb_streams) {
		fprintf(stderr, "bump-fwd: %u forwarding lcores but only %u streams (ports x --rxq): "
			"give fewer --lcores or more --rxq\n", app->nb_lcores, app->nb_streams);
		return -EINVAL;
	}
	memset(tx_user, -1, sizeof(tx_user));
	/*
	 * Port-major order (stream p * nb_rxq + q is port p, queue q), dealt
	 * round-robin: with as many lcores as queues, each lcore polls one
	 * queue of every port, so a busy port is shared, not given to one.
	 */
	for (unsigned s = 0; s < app->nb_streams; s++) {
		struct fwd_stream *fs = &app->streams[s];
		unsigned p = s / cfg->nb_rxq, q = s % cfg->nb_rxq;
		struct fwd_lcore *lc = &app->lcores[s % app->nb_lcores];
		int *user;

		fs->rx = &app->ports[p];
		fs->tx = &app->ports[app->ports[p].peer];
		fs->rxq = (uint16_t)q;
		fs->txq = (uint16_t)(q % cfg->nb_txq);
		fs->burst = cfg->burst;
		fs->txpkts = (uint16_t)cfg->txpkts;
		fs->lcore = lc;
		lc->streams[lc->nb_streams++] = fs;

		user = &tx_user[fs->tx->idx][fs->txq];
		if ((cfg->engine->uses_tx || cfg->tx_first) && *user >= 0 &&
		    *user != (int)lc->idx) {
			fprintf(stderr, "bump-fwd: lcores %d and %u would both send on port %u TX "
				"queue %u: give --txq at least --rxq (%u)\n", *user, lc->idx,
				fs->tx->idx, fs->txq, cfg->nb_rxq);
			return -EINVAL;
		}
		*user = (int)lc->idx;
	}
	return 0;
}

static int fwd_cpu_node(int cpu)
{
	int node;

	if (numa_available() < 0)
		return BUMP_NUMA_ANY;
	node = numa_node_of_cpu(cpu);
	return node < 0 ? BUMP_NUMA_ANY : node;
}

int fwd_setup_memory(struct fwd_app *app)
{
	const struct fwd_config *cfg = &app->cfg;
	int node[FWD_MAX_PORTS];
	int ret;

	/* With the lcore that polls the port's first queue (stream p * nb_rxq). */
	for (unsigned p = 0; p < app->nb_ports; p++)
		node[p] = fwd_cpu_node(app->streams[p * cfg->nb_rxq].lcore->cpu);

	for (unsigned p = 0; p < app->nb_ports; p++) {
		struct fwd_port *fp = &app->ports[p];
		unsigned sharing = 0;
		char name[32];
		struct bump_region_params rp = {
			.name = name,
			.numa_node = node[p],
			.flags = cfg->no_huge ? BUMP_REGION_F_NO_HUGE : 0,
		};
		struct bump_arena_params ap = { .name = name, .page_size = cfg->buf_size };

		/* The port says which device its RX buffers must be mapped for. */
		fp->dma = fp->info.dma_dev;
		for (unsigned q = 0; q < p && !fp->arena; q++)
			if (node[q] == node[p]) {
				fp->region = app->ports[q].region;
				fp->arena = app->ports[q].arena;
			}
		if (fp->arena)
			continue;
		for (unsigned q = p; q < app->nb_ports; q++)
			sharing += node[q] == node[p];
		rp.size = (size_t)cfg->nb_mbufs * cfg->buf_size * sharing;
		snprintf(name, sizeof(name), "fwd-node%d", node[p]);
		ret = bump_region_create(&rp, &fp->region);
		if (ret) {
			fprintf(stderr, "bump-fwd: no region for %u ports x %u buffers of %u bytes "
				"(--nb-mbufs, --buf-size); %s\n", sharing, cfg->nb_mbufs,
				cfg->buf_size, FWD_SEE_ABOVE);
			return ret;
		}
		fp->owns_memory = true;
		ap.region = fp->region;
		ret = bump_arena_create(&ap, &fp->arena);
		if (ret) {
			fprintf(stderr, "bump-fwd: port %u: no arena; %s\n", p, FWD_SEE_ABOVE);
			return ret;
		}
	}
	return 0;
}

int fwd_setup_queues(struct fwd_app *app)
{
	const struct fwd_config *cfg = &app->cfg;

	for (unsigned p = 0; p < app->nb_ports; p++) {
		struct fwd_port *fp = &app->ports[p];
		struct bump_txq_conf tc = { .ring_size = (uint16_t)cfg->txd };

		for (uint16_t q = 0; q < cfg->nb_rxq; q++) {
			struct bump_rxq_conf rc = {
				.ring_size = (uint16_t)cfg->rxd,
				.pool = fp->pools[q],
				.headroom = FWD_HEADROOM,
			};

			int ret = bump_port_rxq_setup(fp->port, q, &rc);

			if (ret) {
				fprintf(stderr, "bump-fwd: port %u RX queue %u (pool '%s', --rxd %u): "
					"setup failed; %s\n", p, q, bump_pool_name(fp->pools[q]),
					cfg->rxd, FWD_SEE_ABOVE);
				app->bad_cmdline = ret == -EINVAL;  /* a ring size, a buffer size */
				return -1;
			}
		}
		for (uint16_t q = 0; q < cfg->nb_txq; q++) {
			int ret = bump_port_txq_setup(fp->port, q, &tc);

			if (ret) {
				fprintf(stderr, "bump-fwd: port %u TX queue %u (--txd %u): setup failed; "
					"%s\n", p, q, cfg->txd, FWD_SEE_ABOVE);
				app->bad_cmdline = ret == -EINVAL;
				return -1;
			}
		}
	}
	return 0;
}

int fwd_start_ports(struct fwd_app *app)
{
	for (unsigned p = 0; p < app->nb_ports; p++) {
		struct fwd_port *fp = &app->ports[p];

		if (bump_port_start(fp->port)) {
			fprintf(stderr, "bump-fwd: port %u '%s' did not start; %s\n", p,
				app->cfg.devargs[p], FWD_SEE_ABOVE);
			return -1;
		}
		fp->started = true;
		bump_port_info_get(fp->port, &fp->info);
	}
	return 0;
}

/* Stopping a port hands its posted RX buffers and unsent TX back to their pools. */
void fwd_stop_ports(struct fwd_app *app)
{
	for (unsigned p = 0; p < app->nb_ports; p++) {
		struct fwd_port *fp = &app->ports[p];

		if (fp->started && bump_port_stop(fp->port))
			fprintf(stderr, "bump-fwd: port %u: stop failed; %s\n", p, FWD_SEE_ABOVE);
		fp->started = false;
	}
}

void fwd_close_ports(struct fwd_app *app)
{
	for (unsigned p = 0; p < app->nb_ports; p++) {
		struct fwd_port *fp = &app->ports[p];

		if (fp->opened && bump_port_close(fp->port))
			fprintf(stderr, "bump-fwd: port %u: close failed; %s\n", p, FWD_SEE_ABOVE);
		fp->opened = false;
	}
}

/*
 * After the pools are gone.  An arena a detached pool still uses cannot go
 * (its buffers would come back to unmapped memory): it and its region are
 * kept, and the caller has already said which pool holds them.
 */
int fwd_free_memory(struct fwd_app *app)
{
	int busy = 0;

	for (unsigned p = 0; p < app->nb_ports; p++) {
		struct fwd_port *fp = &app->ports[p];

		if (!fp->owns_memory) {  /* another port's, shared */
			fp->arena = NULL;
			fp->region = NULL;
			continue;
		}
		if (fp->arena && bump_arena_destroy(fp->arena)) {
			busy++;
			continue;
		}
		fp->arena = NULL;
		if (fp->region)
			bump_region_destroy(fp->region);
		fp->region = NULL;
		fp->owns_memory = false;
	}
	return busy ? -EBUSY : 0;
}
