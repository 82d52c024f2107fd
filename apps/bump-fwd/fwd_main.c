/* SPDX-License-Identifier: MIT */
/*
 * fwd_main.c - bump-fwd's run, start to finish: options, setup, the stats
 * loop while the lcores forward, the stop, the teardown and the check that
 * every pool got its buffers back (fwd.h lists the modules).
 *
 * Signals: SIGINT and SIGTERM are blocked in every thread (the lcores and
 * any driver thread inherit the mask) and taken synchronously by the main
 * thread with sigtimedwait() between stats lines, so a stop is a plain
 * flag store with no async-signal-safety rules to follow.
 */
#include "fwd.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fwd_print_banner(const struct fwd_app *app)
{
	const struct fwd_config *cfg = &app->cfg;
	struct bump_region_info ri;

	printf("bump-fwd: %s forwarding, %u port%s, %u RX / %u TX queue%s per port, burst %u\n",
	       cfg->engine->name, app->nb_ports, app->nb_ports > 1 ? "s" : "", cfg->nb_rxq,
	       cfg->nb_txq, cfg->nb_txq > 1 ? "s" : "", cfg->burst);
	for (unsigned p = 0; p < app->nb_ports; p++) {
		const struct fwd_port *fp = &app->ports[p];
		const uint8_t *m = fp->info.mac;

		bump_region_get_info(fp->region, &ri);
		printf("  port %u %-32s -> port %u  mac %02x:%02x:%02x:%02x:%02x:%02x  "
		       "%u x %u B buffers on %zu KiB pages, node %d\n",
		       p, cfg->devargs[p], fp->peer, m[0], m[1], m[2], m[3], m[4], m[5],
		       cfg->nb_mbufs, cfg->buf_size, ri.page_size >> 10, ri.numa_node);
	}
	for (unsigned l = 0; l < app->nb_lcores; l++) {
		const struct fwd_lcore *lc = &app->lcores[l];

		printf("  lcore %u on CPU %d:", l, lc->cpu);
		for (unsigned i = 0; i < lc->nb_streams; i++)
			printf(" p%u.q%u->p%u.q%u", lc->streams[i]->rx->idx, lc->streams[i]->rxq,
			       lc->streams[i]->tx->idx, lc->streams[i]->txq);
		printf("\n");
	}
	if (cfg->duration > 0)
		printf("  running for %.1f s (Ctrl-C stops earlier)\n", cfg->duration);
	else
		printf("  running until Ctrl-C (or SIGTERM)\n");
	fflush(stdout);
}

/*
 * Sleep until the next stats line or the end of the run, printing lines on
 * the way; returns when the duration is over or a stop signal came.
 */
static void fwd_wait_and_report(struct fwd_app *app, struct fwd_stats *st, const sigset_t *sigs)
{
	const uint64_t period = (uint64_t)(app->cfg.stats_period * 1e9);
	const uint64_t start = bump_time_ns();
	const uint64_t end = app->cfg.duration > 0 ? start + (uint64_t)(app->cfg.duration * 1e9) : 0;
	uint64_t next = period ? start + period : 0;

	for (;;) {
		uint64_t now = bump_time_ns(), wake = UINT64_MAX;
		struct timespec ts;
		int sig;

		if (end && now >= end)
			return;
		if (next && now >= next) {
			fwd_stats_print_interval(st);
			while (next <= now)
				next += period;
		}
		if (end)
			wake = end;
		if (next && next < wake)
			wake = next;
		if (wake == UINT64_MAX) {
			sig = sigwaitinfo(sigs, NULL);
		} else {
			uint64_t d = wake > now ? wake - now : 0;

			ts.tv_sec = (time_t)(d / 1000000000u);
			ts.tv_nsec = (long)(d % 1000000000u);
			sig = sigtimedwait(sigs, NULL, &ts);
		}
		if (sig > 0) {
			printf("bump-fwd: %s: stopping\n", strsignal(sig));
			return;
		}
	}
}

/* Put back what --test-leak kept, so the detached pools can go and memory be freed. */
static void fwd_release_test_leaks(struct fwd_app *app)
{
	for (unsigned l = 0; l < app->nb_lcores; l++) {
		struct fwd_lcore *lc = &app->lcores[l];

		if (lc->nb_leak)
			bump_put_bulk(lc->leak, lc->nb_leak);
		free(lc->leak);
		lc->leak = NULL;
		lc->nb_leak = 0;
	}
}

static int fwd_run(struct fwd_app *app, const sigset_t *sigs)
{
	struct fwd_stats *st = NULL;
	unsigned leaks;
	int ret = 1;

	if (fwd_setup_ports(app) || fwd_setup_streams(app) || fwd_setup_memory(app))
		goto out_close;
	st = fwd_stats_new(app);
	if (!st) {
		fprintf(stderr, "bump-fwd: out of memory\n");
		goto out_close;
	}
	if (fwd_lcores_launch(app))
		goto out_close;

	fwd_lcores_sync(app);  /* 1: pools created */
	for (unsigned l = 0; l < app->nb_lcores; l++)
		if (app->lcores[l].error)
			atomic_store(&app->abort, true);
	if (!atomic_load(&app->abort) && (fwd_setup_queues(app) || fwd_start_ports(app)))
		atomic_store(&app->abort, true);
	if (!atomic_load(&app->abort)) {
		fwd_print_banner(app);
		fwd_stats_begin(st);
	}
	fwd_lcores_sync(app);  /* 2: go */
	if (!atomic_load(&app->abort)) {
		/* Each lcore's first poll fills its RX rings (fwd_lcore_first_poll): microseconds. */
		while (atomic_load(&app->lcores_polled) < app->nb_lcores)
			nanosleep(&(struct timespec){ .tv_nsec = 20000 }, NULL);
		fwd_stats_rings_filled(st);
		fwd_wait_and_report(app, st, sigs);
	}
	atomic_store(&app->stop, true);
	fwd_lcores_sync(app);  /* 3: forwarding stopped */
	if (!atomic_load(&app->abort)) {
		fwd_stats_print_summary(st);
		if (app->cfg.json)
			fwd_stats_print_json(st);
		ret = 0;
	}
	fwd_stop_ports(app);
	fwd_close_ports(app);
	fwd_lcores_sync(app);  /* 4: ports down: lcores destroy their pools */
	fwd_lcores_done(app);

	leaks = fwd_stats_check_inflight();
	if (leaks) {
		fprintf(stderr, "bump-fwd: %u pool%s did not get all buffers back: exiting with "
			"status 1\n", leaks, leaks > 1 ? "s" : "");
		ret = 1;
	} else if (!ret) {
		printf("bump-fwd: all pools destroyed with 0 buffers in flight\n");
	}
	fwd_release_test_leaks(app);
out_close:
	fwd_close_ports(app);
	fwd_stats_free(st);
	if (fwd_free_memory(app))
		ret = 1;
	return ret;
}

int main(int argc, char **argv)
{
	/* Static: a few hundred KiB of stream and lcore tables. */
	static struct fwd_app app;
	sigset_t sigs;
	int ret;

	switch (fwd_opts_parse(argc, argv, &app.cfg)) {
	case FWD_OPTS_EXIT_OK:
		return 0;
	case FWD_OPTS_EXIT_ERR:
		return 2;
	case FWD_OPTS_RUN:
		break;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	ret = pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (ret) {
		fprintf(stderr, "bump-fwd: pthread_sigmask: %s\n", strerror(ret));
		return 1;
	}
	/* Line-buffered even into a pipe: tests and `| tee` see each stats line as it comes. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = fwd_run(&app, &sigs);
	return ret && app.bad_cmdline ? 2 : ret;
}
