/* SPDX-License-Identifier: MIT */
/*
 * bump_registry.c - pool IDs (unique among live and detached pools, handed
 * out cyclically like page_pool's) and the listing of every pool.
 */
#include "bump_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct bump_pool *_Atomic pool_table[BUMP_POOL_ID_MAX + 1];
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned registry_next_id = 1;
static unsigned registry_count;

struct bump_pool *bump_pool_by_id(uint16_t id)
{
	return atomic_load_explicit(&pool_table[id], memory_order_acquire);
}

/* IDs are handed out cyclically, so a stale ID is not soon reused. */
int bump_registry_add(struct bump_pool *pool)
{
	int ret = -ENOSPC;

	pthread_mutex_lock(&registry_lock);
	for (unsigned tries = 0; tries < BUMP_POOL_ID_MAX; tries++) {
		unsigned id = registry_next_id;

		registry_next_id = id == BUMP_POOL_ID_MAX ? 1 : id + 1;
		if (!atomic_load_explicit(&pool_table[id], memory_order_relaxed)) {
			pool->id = (uint16_t)id;
			atomic_store_explicit(&pool_table[id], pool, memory_order_release);
			registry_count++;
			ret = 0;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

void bump_registry_del(struct bump_pool *pool)
{
	pthread_mutex_lock(&registry_lock);
	atomic_store_explicit(&pool_table[pool->id], NULL, memory_order_release);
	registry_count--;
	pthread_mutex_unlock(&registry_lock);
}

/* A pool's listing and stats (registry_lock held: the pool cannot be freed). */
static void registry_fill(const struct bump_pool *pool, struct bump_pool_info *info,
			  struct bump_pool_stats *s)
{
	bump_pool_get_stats(pool, s);
	memset(info, 0, sizeof(*info));
	info->id = pool->id;
	snprintf(info->name, sizeof(info->name), "%s", pool->priv->name);
	snprintf(info->arena, sizeof(info->arena), "%s", pool->priv->arena->priv->name);
	info->nid = pool->priv->nid;
	info->inflight = s->inflight;
	info->inflight_bytes = s->inflight_bytes;
	info->detach_time_ns = pool->priv->detach_time_ns;
	info->dma_mapped = pool->priv->dma_map != NULL;
}

int bump_pool_foreach(bump_pool_visit_fn fn, void *arg)
{
	unsigned seen = 0;
	int ret = 0;

	pthread_mutex_lock(&registry_lock);
	for (unsigned id = 1; id <= BUMP_POOL_ID_MAX && seen < registry_count && !ret; id++) {
		struct bump_pool *pool = atomic_load_explicit(&pool_table[id], memory_order_relaxed);
		struct bump_pool_info info;
		struct bump_pool_stats s;

		if (!pool)
			continue;
		seen++;
		registry_fill(pool, &info, &s);
		ret = fn(pool, &info, &s, arg);
	}
	pthread_mutex_unlock(&registry_lock);
	return ret;
}

struct registry_list {
	struct bump_pool_info *infos;
	unsigned max, n;
};

static int registry_list_one(const struct bump_pool *pool, const struct bump_pool_info *info,
			     const struct bump_pool_stats *stats, void *arg)
{
	struct registry_list *l = arg;

	(void)pool;
	(void)stats;
	if (l->n < l->max)
		l->infos[l->n] = *info;
	l->n++;
	return 0;
}

unsigned bump_pool_list(struct bump_pool_info *infos, unsigned max)
{
	struct registry_list l = { .infos = infos, .max = max };

	bump_pool_foreach(registry_list_one, &l);
	return l.n;
}

/* Set by lib/telemetry, a module above this one: its server starts with the first pool. */
static void (*_Atomic registry_created_hook)(void);

void bump_registry_set_created_hook(void (*fn)(void))
{
	atomic_store_explicit(&registry_created_hook, fn, memory_order_release);
}

void bump_registry_created(void)
{
	void (*fn)(void) = atomic_load_explicit(&registry_created_hook, memory_order_acquire);

	if (fn)
		fn();
}
