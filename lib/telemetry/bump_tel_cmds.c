/* SPDX-License-Identifier: MIT */
/*
 * bump_tel_cmds.c - the telemetry commands: pools (named after the kernel's
 * page_pool netlink, page-pool-get and page-pool-stats-get), ports and
 * their queues, memory regions, and the process.  doc/telemetry.md shows
 * every reply.
 *
 * They read through the listing functions of lib/bump, lib/port and lib/mem,
 * which hold those modules' table locks (taken on create and destroy, never
 * per packet) while a reply is built, and read the counters with relaxed
 * loads: the data path neither waits nor pays for a reader.
 */
#include "bump_telemetry.h"
#include "bump.h"
#include "bump_port.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "" or NULL: every object; else a decimal id in @id.  -EINVAL for anything else. */
static int cmd_param_id(const char *params, long max, long *id)
{
	char *end;

	*id = -1;
	if (!params || !params[0])
		return 0;
	*id = strtol(params, &end, 10);
	if (end == params || *end || *id < 0 || *id > max)
		return -EINVAL;
	return 0;
}

static const char *cmd_backing(enum bump_region_backing b)
{
	switch (b) {
	case BUMP_BACKING_MEMFD_HUGETLB:
		return "memfd_hugetlb";
	case BUMP_BACKING_HUGETLBFS:
		return "hugetlbfs";
	case BUMP_BACKING_ANON_4K:
		return "anon_4k";
	}
	return "unknown";
}

static void cmd_region(struct bump_tel *t, const char *key, const struct bump_region_info *ri)
{
	bump_tel_dict(t, key);
	bump_tel_str(t, "name", ri->name);
	bump_tel_u64(t, "len", ri->len);
	bump_tel_u64(t, "page_size", ri->page_size);
	bump_tel_int(t, "numa_node", ri->numa_node);
	bump_tel_str(t, "backing", cmd_backing(ri->backing));
	bump_tel_int(t, "fallback_4k", ri->fallback_4k);
	bump_tel_int(t, "locked", ri->locked);
	bump_tel_end(t);
}

/* ---- Tables of pools and ports ------------------------------------------ */

/* What a command makes of each object of a table. */
enum cmd_walk_what {
	CMD_WALK_COUNT,  /* count them (info) */
	CMD_WALK_LIST,   /* an array of their ids */
	CMD_WALK_GET,    /* what each is */
	CMD_WALK_STATS,  /* each one's counters */
};

/*
 * One walk over the pools or the ports.  lib/bump and lib/port call their
 * visitors with different arguments, so each table has a small visitor that
 * asks cmd_walk_visit() what to do with an object and writes it in its own
 * way; the rest is here once.
 */
struct cmd_walk {
	struct bump_tel *t;
	enum cmd_walk_what what;
	long id;          /* -1: every object, each under its id; else that one, as the reply */
	bool found;
	unsigned n;       /* objects seen */
	const char *key;  /* where the visitor writes the object: its id, or NULL (the reply) */
	char key_buf[8];
};

/* Runs bump_pool_foreach() or bump_port_foreach() with that table's visitor. */
typedef void (*cmd_walk_fn)(struct cmd_walk *w);

/* Counts or lists the object itself, or says whether the visitor writes it (under w->key). */
static bool cmd_walk_visit(struct cmd_walk *w, unsigned id)
{
	w->n++;
	if (w->what == CMD_WALK_COUNT)
		return false;
	if (w->what == CMD_WALK_LIST) {
		bump_tel_int(w->t, NULL, (int)id);
		return false;
	}
	if (w->id >= 0 && w->id != id)
		return false;
	w->found = true;
	snprintf(w->key_buf, sizeof(w->key_buf), "%u", id);
	w->key = w->id < 0 ? w->key_buf : NULL;
	return true;
}

/* The visitor's return: stop on an error, or once the one object asked for is written. */
static int cmd_walk_next(const struct cmd_walk *w)
{
	return w->t->err || (w->found && w->id >= 0);
}

/* The list (ids), or one object (params: its id) as the reply, or every object in a dict by id. */
static int cmd_walk(const char *params, struct bump_tel *t, enum cmd_walk_what what, long max,
		    cmd_walk_fn walk)
{
	struct cmd_walk w = { .t = t, .what = what, .id = -1 };

	if (what == CMD_WALK_LIST) {
		bump_tel_array(t, NULL, BUMP_TEL_INT);
	} else {
		if (cmd_param_id(params, max, &w.id))
			return -EINVAL;
		if (w.id < 0)
			bump_tel_dict(t, NULL);
	}
	walk(&w);
	if (w.id < 0)
		bump_tel_end(t);
	return t->err ? t->err : w.found || w.id < 0 ? 0 : -ENOENT;
}

static unsigned cmd_walk_count(struct bump_tel *t, cmd_walk_fn walk)
{
	struct cmd_walk w = { .t = t, .what = CMD_WALK_COUNT, .id = -1 };

	walk(&w);
	return w.n;
}

/* ---- Pools ---------------------------------------------------------------- */

/* page-pool-get: what the pool is (the kernel's id, inflight, inflight-mem, detach-time). */
static void cmd_pool_info(struct bump_tel *t, const char *key, const struct bump_pool *pool,
			  const struct bump_pool_info *info)
{
	struct bump_region_info ri;

	bump_tel_dict(t, key);
	bump_tel_int(t, "id", info->id);
	bump_tel_str(t, "name", info->name);
	bump_tel_str(t, "arena", info->arena);
	bump_tel_int(t, "nid", info->nid);
	bump_tel_u64(t, "inflight", info->inflight);
	bump_tel_u64(t, "inflight_mem", info->inflight_bytes);
	bump_tel_u64(t, "detach_time_ns", info->detach_time_ns);
	bump_tel_int(t, "dma_mapped", info->dma_mapped);
	bump_tel_int(t, "checked", pool->checked);
	bump_tel_u64(t, "buf_size", bump_pool_buf_size(pool));
	bump_tel_int(t, "order", pool->order);
	bump_tel_u64(t, "page_size", pool->page_size);
	/* The pool holds its arena, which holds its region, until both are freed. */
	bump_region_get_info(bump_arena_region(bump_pool_arena(pool)), &ri);
	cmd_region(t, "region", &ri);
	bump_tel_end(t);
}

/* page-pool-stats-get: the kernel's alloc and recycle counters, and bump's own. */
static void cmd_pool_stats(struct bump_tel *t, const char *key, const struct bump_pool_info *info,
			   const struct bump_pool_stats *s)
{
	bump_tel_dict(t, key);
	bump_tel_int(t, "id", info->id);
	bump_tel_str(t, "name", info->name);
	bump_tel_u64(t, "alloc_fast", s->alloc.fast);
	bump_tel_u64(t, "alloc_slow", s->alloc.slow);
	bump_tel_u64(t, "alloc_slow_high_order", s->alloc.slow_high_order);
	bump_tel_u64(t, "alloc_empty", s->alloc.empty);
	bump_tel_u64(t, "alloc_refill", s->alloc.refill);
	bump_tel_u64(t, "alloc_waive", s->alloc.waive);
	bump_tel_u64(t, "alloc_fail", s->alloc.fail);
	bump_tel_u64(t, "alloc_stale", s->alloc.stale);
	bump_tel_u64(t, "recycle_cached", s->recycle.cached);
	bump_tel_u64(t, "recycle_cache_full", s->recycle.cache_full);
	bump_tel_u64(t, "recycle_ring", s->recycle.ring);
	bump_tel_u64(t, "recycle_ring_full", s->recycle.ring_full);
	bump_tel_u64(t, "recycle_released_refcnt", s->recycle.released_refcnt);
	bump_tel_u64(t, "recycle_double_put", s->recycle.double_put);
	bump_tel_u64(t, "recycle_wrong_pool", s->recycle.wrong_pool);
	bump_tel_u64(t, "held", s->held);
	bump_tel_u64(t, "cached_now", s->cached_now);
	bump_tel_u64(t, "ring_now", s->ring_now);
	bump_tel_u64(t, "stashed_now", s->stashed_now);
	bump_tel_u64(t, "inflight", s->inflight);
	bump_tel_u64(t, "inflight_mem", s->inflight_bytes);
	bump_tel_u64(t, "dma_scrubbed", s->dma_scrubbed);
	bump_tel_end(t);
}

static int cmd_pool_one(const struct bump_pool *pool, const struct bump_pool_info *info,
			const struct bump_pool_stats *stats, void *arg)
{
	struct cmd_walk *w = arg;

	if (cmd_walk_visit(w, info->id)) {
		if (w->what == CMD_WALK_STATS)
			cmd_pool_stats(w->t, w->key, info, stats);
		else
			cmd_pool_info(w->t, w->key, pool, info);
	}
	return cmd_walk_next(w);
}

static void cmd_pool_walk(struct cmd_walk *w)
{
	bump_pool_foreach(cmd_pool_one, w);
}

/* ---- Ports ---------------------------------------------------------------- */

static void cmd_port_info(struct bump_tel *t, const char *key, const struct bump_port_info *info,
			  bool started)
{
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", info->mac[0], info->mac[1],
		 info->mac[2], info->mac[3], info->mac[4], info->mac[5]);
	bump_tel_dict(t, key);
	bump_tel_int(t, "id", info->id);
	bump_tel_str(t, "name", info->name);
	bump_tel_str(t, "driver", info->driver);
	bump_tel_int(t, "started", started);
	bump_tel_str(t, "mac", mac);
	bump_tel_int(t, "mtu", info->mtu);
	bump_tel_int(t, "nb_rx_queues", info->nb_rx_queues);
	bump_tel_int(t, "nb_tx_queues", info->nb_tx_queues);
	bump_tel_u64(t, "max_rx_pktlen", info->max_rx_pktlen);
	bump_tel_end(t);
}

static void cmd_queue_stats(struct bump_tel *t, const char *key, const struct bump_queue_stats *q,
			    bool rx, bool tx)
{
	bump_tel_dict(t, key);
	if (rx) {
		bump_tel_u64(t, "ipackets", q->ipackets);
		bump_tel_u64(t, "ibytes", q->ibytes);
		bump_tel_u64(t, "imissed", q->imissed);
		bump_tel_u64(t, "rx_nombuf", q->rx_nombuf);
		bump_tel_u64(t, "ierrors", q->ierrors);
	}
	if (tx) {
		bump_tel_u64(t, "opackets", q->opackets);
		bump_tel_u64(t, "obytes", q->obytes);
		bump_tel_u64(t, "oerrors", q->oerrors);
		bump_tel_u64(t, "tx_invalid", q->tx_invalid);
	}
	bump_tel_end(t);
}

/* A port's totals and, while it is started, each queue's counters (ethdev's xstats split). */
static void cmd_port_stats(struct bump_tel *t, const char *key, const struct bump_port *port,
			   const struct bump_port_info *info, bool started)
{
	struct bump_port_stats s;
	char q[8];

	bump_tel_dict(t, key);
	bump_tel_int(t, "id", info->id);
	bump_tel_int(t, "started", started);
	/* A stopped port's driver may be changing its queues: only its id. */
	if (started && bump_port_get_stats(port, &s) == 0) {
		cmd_queue_stats(t, "total", &s.total, true, true);
		bump_tel_dict(t, "rxq");
		for (unsigned i = 0; i < info->nb_rx_queues && i < BUMP_PORT_QUEUE_MAX; i++) {
			snprintf(q, sizeof(q), "%u", i);
			cmd_queue_stats(t, q, &s.q[i], true, false);
		}
		bump_tel_end(t);
		bump_tel_dict(t, "txq");
		for (unsigned i = 0; i < info->nb_tx_queues && i < BUMP_PORT_QUEUE_MAX; i++) {
			snprintf(q, sizeof(q), "%u", i);
			cmd_queue_stats(t, q, &s.q[i], false, true);
		}
		bump_tel_end(t);
	}
	bump_tel_end(t);
}

static int cmd_port_one(const struct bump_port *port, const struct bump_port_info *info,
			bool started, void *arg)
{
	struct cmd_walk *w = arg;

	if (cmd_walk_visit(w, info->id)) {
		if (w->what == CMD_WALK_STATS)
			cmd_port_stats(w->t, w->key, port, info, started);
		else
			cmd_port_info(w->t, w->key, info, started);
	}
	return cmd_walk_next(w);
}

static void cmd_port_walk(struct cmd_walk *w)
{
	bump_port_foreach(cmd_port_one, w);
}

/* ---- Memory and the process ----------------------------------------------- */

struct cmd_region_walk {
	struct bump_tel *t;
	unsigned n;
};

static int cmd_region_one(const struct bump_region_info *info, void *arg)
{
	struct cmd_region_walk *w = arg;
	char key[12];

	snprintf(key, sizeof(key), "%u", w->n++);
	cmd_region(w->t, key, info);
	return w->t->err;
}

/* Every region, oldest first, by its place in that order (names may repeat). */
static int cmd_mem_regions(const char *params, struct bump_tel *t)
{
	struct cmd_region_walk w = { .t = t };

	(void)params;
	bump_tel_dict(t, NULL);
	bump_region_foreach(cmd_region_one, &w);
	bump_tel_end(t);
	return t->err;
}

/* The process: what bump-stat lists, and the process-wide error and memory counters. */
static int cmd_info(const char *params, struct bump_tel *t)
{
	struct bump_error_stats e;
	struct bump_mem_stats m;
	unsigned pools = cmd_walk_count(t, cmd_pool_walk), ports = cmd_walk_count(t, cmd_port_walk);
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "re");

	(void)params;
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	bump_get_error_stats(&e);
	bump_mem_get_stats(&m);
	bump_tel_dict(t, NULL);
	bump_tel_str(t, "version", bump_version());
	bump_tel_int(t, "pid", (int)getpid());
	bump_tel_str(t, "comm", comm);
	bump_tel_int(t, "pools", (int)pools);
	bump_tel_int(t, "ports", (int)ports);
	bump_tel_int(t, "checked_default", bump_checked_default());
	bump_tel_str(t, "bulk_impl", bump_bulk_impl());
	bump_tel_dict(t, "errors");
	bump_tel_u64(t, "foreign", e.foreign);
	bump_tel_u64(t, "not_allocated", e.not_allocated);
	bump_tel_u64(t, "double_put", e.double_put);
	bump_tel_u64(t, "wrong_pool", e.wrong_pool);
	bump_tel_end(t);
	bump_tel_dict(t, "mem");
	bump_tel_u64(t, "regions_created", m.regions_created);
	bump_tel_u64(t, "regions_fallback_4k", m.regions_fallback_4k);
	bump_tel_u64(t, "bytes_huge", m.bytes_huge);
	bump_tel_u64(t, "bytes_4k", m.bytes_4k);
	bump_tel_end(t);
	bump_tel_end(t);
	return t->err;
}

/* The commands on the tables: which table, and what of it. */
static int cmd_pool_list(const char *params, struct bump_tel *t)
{
	return cmd_walk(params, t, CMD_WALK_LIST, 0, cmd_pool_walk);
}

static int cmd_pool_get(const char *params, struct bump_tel *t)
{
	return cmd_walk(params, t, CMD_WALK_GET, BUMP_POOL_ID_MAX, cmd_pool_walk);
}

static int cmd_pool_stats_get(const char *params, struct bump_tel *t)
{
	return cmd_walk(params, t, CMD_WALK_STATS, BUMP_POOL_ID_MAX, cmd_pool_walk);
}

static int cmd_port_list(const char *params, struct bump_tel *t)
{
	return cmd_walk(params, t, CMD_WALK_LIST, 0, cmd_port_walk);
}

static int cmd_port_get(const char *params, struct bump_tel *t)
{
	return cmd_walk(params, t, CMD_WALK_GET, BUMP_PORT_MAX - 1, cmd_port_walk);
}

static int cmd_port_stats_get(const char *params, struct bump_tel *t)
{
	return cmd_walk(params, t, CMD_WALK_STATS, BUMP_PORT_MAX - 1, cmd_port_walk);
}

static const struct bump_tel_cmd cmds[] = {
	{ "/bump/info", cmd_info,
	  "bump in this process: version, pid, comm, pool and port counts, error and memory "
	  "counters. No parameters" },
	{ "/bump/page_pool/list", cmd_pool_list, "IDs of the pools, live or detached. No parameters" },
	{ "/bump/page_pool/get", cmd_pool_get,
	  "A pool as page-pool-get shows it, with its region. Parameter: pool id (none: every "
	  "pool, by id)" },
	{ "/bump/page_pool/stats_get", cmd_pool_stats_get,
	  "A pool's alloc and recycle counters, as page-pool-stats-get. Parameter: pool id "
	  "(none: every pool, by id)" },
	{ "/bump/port/list", cmd_port_list, "IDs of the open ports. No parameters" },
	{ "/bump/port/get", cmd_port_get,
	  "A port: devargs, driver, started, MAC, MTU, queues. Parameter: port id (none: every "
	  "port, by id)" },
	{ "/bump/port/stats", cmd_port_stats_get,
	  "A started port's counters, in total and per queue. Parameter: port id (none: every "
	  "port, by id)" },
	{ "/bump/mem/regions", cmd_mem_regions,
	  "Memory regions: size, page size, NUMA node, backing. No parameters" },
};

const struct bump_tel_cmd *bump_tel_cmds(unsigned *n)
{
	*n = BUMP_ARRAY_SIZE(cmds);
	return cmds;
}

int bump_tel_call(const char *name, const char *params, struct bump_tel *t)
{
	for (unsigned i = 0; i < BUMP_ARRAY_SIZE(cmds); i++)
		if (!strcmp(name, cmds[i].name))
			return cmds[i].fn(params, t);
	return -ENOENT;
}
