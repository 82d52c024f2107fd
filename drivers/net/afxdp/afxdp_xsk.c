/* SPDX-License-Identifier: MIT */
/*
 * afxdp_xsk.c - the UMEM and the AF_XDP socket, through libxdp.
 *
 * The UMEM is registered over the whole arena of the RX queue's pool: frame
 * size = arena page size = the pool's buffer size, UMEM address = offset in
 * the region.  So a buffer needs no translation table and the kernel's
 * frames are bump buffers with their descriptors outside the pages.
 *
 * The socket is created with libxdp loading its default redirect program
 * (xsk_def_xdp_prog) in the mode the devargs ask for.  Zero-copy: with
 * zc=auto the bind flags ask for neither copy nor zero-copy, so the kernel
 * tries zero-copy and falls back by itself; XDP_OPTIONS then says which it
 * got, and a fallback is warned about once per process and counted.
 */
#include "afxdp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#ifndef SOL_XDP
#define SOL_XDP 283
#endif

static _Atomic uint64_t afxdp_fallbacks;
static _Atomic bool afxdp_fallback_warned;
static _Atomic bool afxdp_print_hooked;
/* The last warning libxdp or libbpf printed in this thread: the detail for our errors. */
static __thread char afxdp_lib_msg[256];

uint64_t afxdp_copy_fallbacks(void)
{
	return atomic_load(&afxdp_fallbacks);
}

/*
 * libxdp and libbpf print to stderr by default, including warnings for
 * fallbacks they handle themselves.  Route their lines to bump's log at
 * debug level and keep the last warning, which our own error quotes.
 */
static void afxdp_lib_print(int warn, const char *fmt, va_list ap)
{
	char line[256];
	size_t len;

	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && (line[len - 1] == '\n' || line[len - 1] == ' '))
		line[--len] = '\0';
	if (warn && len)
		memcpy(afxdp_lib_msg, line, len + 1);
	bump_log(BUMP_LOG_DEBUG, "afxdp: %s", line);
}

static int afxdp_libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	afxdp_lib_print(level == LIBXDP_WARN, fmt, ap);
	return 0;
}

static int afxdp_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	afxdp_lib_print(level == LIBBPF_WARN, fmt, ap);
	return 0;
}

static void afxdp_hook_lib_print(void)
{
	if (!atomic_exchange(&afxdp_print_hooked, true)) {
		libxdp_set_print(afxdp_libxdp_print);
		libbpf_set_print(afxdp_libbpf_print);
	}
}

int afxdp_umem_map_init(struct afxdp_umem_map *map, const struct bump_pool *pool)
{
	long pagesz = sysconf(_SC_PAGESIZE);

	/*
	 * Aligned-chunk UMEMs want a power-of-two frame of 2 KiB up to the
	 * system page; frame i must be arena page i, so a buffer is one page.
	 */
	if (pool->order != 0 || pool->page_shift < 11 || ((long)1 << pool->page_shift) > pagesz)
		return bump_error(EINVAL, "afxdp: pool '%s' has %zu-byte buffers of order %u: an "
				  "AF_XDP frame is one arena page of 2048 to %ld bytes; create the "
				  "arena with page_shift 11 or 12 and the pool with order 0",
				  bump_pool_name(pool), bump_pool_buf_size(pool), pool->order, pagesz);
	if (pool->base % (uintptr_t)pagesz)
		return bump_error(EINVAL, "afxdp: the arena of pool '%s' does not start on a page "
				  "boundary: the kernel cannot register it as a UMEM",
				  bump_pool_name(pool));
	map->base = pool->base;
	map->len = pool->span;
	map->frame_shift = pool->page_shift;
	map->nframes = (uint32_t)(pool->span >> pool->page_shift);
	map->arena_id = pool->arena_id;
	map->arena = bump_ref_arena(bump_ref_make(pool->arena_id, 0));
	return 0;
}

static const char *afxdp_mode_name(enum afxdp_xdp_mode mode)
{
	return mode == AFXDP_MODE_SKB ? "skb" : "native";
}

/* Turn a failed xsk_socket__create into what to do about it. */
static int afxdp_socket_error(const struct afxdp_port *ap, int err)
{
	const struct afxdp_args *a = &ap->args;
	char lib[sizeof(afxdp_lib_msg) + 16] = "";

	if (afxdp_lib_msg[0])
		snprintf(lib, sizeof(lib), " [libxdp: %s]", afxdp_lib_msg);
	switch (err) {
	case EPERM:
	case EACCES:
		return bump_error(err, "afxdp: %s: not permitted to load XDP or bind AF_XDP "
				  "(needs CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW: run as root)%s",
				  a->ifname, lib);
	case EBUSY:
		return bump_error(err, "afxdp: %s queue %u is busy: another AF_XDP socket is bound "
				  "to it, or an XDP program is attached in another mode than "
				  "mode=%s ('ip link show %s' shows it)%s", a->ifname,
				  a->queue, afxdp_mode_name(a->mode), a->ifname, lib);
	case EOPNOTSUPP:
	case EPROTONOSUPPORT:
		if (a->zc == AFXDP_ZC_ON)
			return bump_error(err, "afxdp: %s queue %u: the driver has no zero-copy "
					  "AF_XDP for this queue: use zc=auto (falls back to copy "
					  "mode) or zc=off%s", a->ifname, a->queue, lib);
		return bump_error(err, "afxdp: %s does not support XDP in mode=%s: use mode=skb "
				  "(generic XDP)%s", a->ifname, afxdp_mode_name(a->mode),
				  lib);
	case ERANGE:
	case E2BIG:
		return bump_error(err, "afxdp: %s refused the XDP program in mode=%s, most likely "
				  "because its MTU (or its veth peer's) is too large for XDP without "
				  "multi-buffer: lower the MTU or use mode=skb%s",
				  a->ifname, afxdp_mode_name(a->mode), lib);
	case ENOMEM:
	case ENOBUFS:
		return bump_error(err, "afxdp: %s: out of memory creating the socket rings or "
				  "loading the program (raise 'ulimit -l' if not root)%s",
				  a->ifname, lib);
	default:
		return bump_error(err, "afxdp: creating the AF_XDP socket on %s queue %u "
				  "(mode=%s) failed: %s%s", a->ifname, a->queue,
				  afxdp_mode_name(a->mode), strerror(err), lib);
	}
}

/* Whether the kernel bound the socket zero-copy (XDP_OPTIONS, kernel 5.3). */
static int afxdp_query_zero_copy(int fd, bool *zc)
{
	struct xdp_options opts;
	socklen_t len = sizeof(opts);

	if (getsockopt(fd, SOL_XDP, XDP_OPTIONS, &opts, &len) < 0)
		return bump_error(errno, "afxdp: getsockopt(XDP_OPTIONS): %s", strerror(errno));
	*zc = opts.flags & XDP_OPTIONS_ZEROCOPY;
	return 0;
}

/* Returned by afxdp_xsk_create() when the UMEM, not the socket, failed (reported). */
#define AFXDP_UMEM_FAILED 1

/*
 * Register the UMEM and create the socket on it.  0; AFXDP_UMEM_FAILED with
 * errno set and the error reported; or the socket's negative errno, to be
 * explained by the caller.  Nothing is left behind on failure.
 */
static int afxdp_xsk_create(struct afxdp_port *ap, const struct xsk_umem_config *ucfg,
			    const struct xsk_socket_config *scfg)
{
	struct afxdp_rxq *rxq = &ap->rxq;
	struct afxdp_txq *txq = &ap->txq;
	int ret;

	afxdp_lib_msg[0] = '\0';
	/*
	 * libxdp sets up only some of a ring's cached indices (fill: not
	 * cached_prod) and counts on a zeroed struct: after a stop the structs
	 * hold the old socket's indices, so zero them.
	 */
	memset(&rxq->fill, 0, sizeof(rxq->fill));
	memset(&rxq->rx, 0, sizeof(rxq->rx));
	memset(&txq->tx, 0, sizeof(txq->tx));
	memset(&txq->comp, 0, sizeof(txq->comp));
	ret = xsk_umem__create(&ap->umem, (void *)rxq->map.base, rxq->map.len, &rxq->fill,
			       &txq->comp, ucfg);
	if (ret) {
		ap->umem = NULL;
		errno = -bump_error(-ret, "afxdp: registering the %llu-byte arena of pool '%s' "
				    "as a UMEM failed: %s (locked-memory limit? 'ulimit -l')%s%s",
				    (unsigned long long)rxq->map.len, bump_pool_name(rxq->pool),
				    strerror(-ret), afxdp_lib_msg[0] ? "; libxdp: " : "",
				    afxdp_lib_msg);
		return AFXDP_UMEM_FAILED;
	}
	ret = xsk_socket__create(&ap->xsk, ap->args.ifname, ap->args.queue, ap->umem, &rxq->rx,
				 txq->configured ? &txq->tx : NULL, scfg);
	if (ret) {
		ap->xsk = NULL;
		if (xsk_umem__delete(ap->umem))
			bump_log(BUMP_LOG_WARN, "afxdp: %s: UMEM still busy after a failed bind",
				 ap->args.ifname);
		ap->umem = NULL;
	}
	return ret;
}

int afxdp_xsk_open(struct afxdp_port *ap)
{
	struct afxdp_rxq *rxq = &ap->rxq;
	struct afxdp_txq *txq = &ap->txq;
	const struct afxdp_args *a = &ap->args;
	uint32_t tx_size = txq->configured ? txq->ring_size : AFXDP_RING_DEFAULT;
	struct xsk_umem_config ucfg = {
		.fill_size = rxq->ring_size,
		.comp_size = tx_size,
		.frame_size = 1u << rxq->map.frame_shift,
		/* The kernel leaves XDP_PACKET_HEADROOM anyway; add only what is missing. */
		.frame_headroom = rxq->headroom > XDP_PACKET_HEADROOM ?
				  rxq->headroom - XDP_PACKET_HEADROOM : 0,
		.flags = 0,
	};
	struct xsk_socket_config scfg = {
		.rx_size = rxq->ring_size,
		.tx_size = tx_size,
		.libxdp_flags = 0,  /* libxdp loads its default redirect program */
		.xdp_flags = a->mode == AFXDP_MODE_SKB ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE,
		.bind_flags = XDP_USE_NEED_WAKEUP |
			      (a->zc == AFXDP_ZC_ON ? XDP_ZEROCOPY :
			       a->zc == AFXDP_ZC_OFF ? XDP_COPY : 0),
	};
	int ret, fd;

	afxdp_hook_lib_print();
	txq->map = rxq->map;
	/*
	 * The kernel unbinds a closed socket's buffer pool from its queue in a
	 * workqueue, so binding right after a stop (a restart) can briefly see
	 * EBUSY.  The UMEM's socket keeps the RX/TX rings libxdp set up on it
	 * before the failed bind, which a second create would set up again
	 * (EINVAL), so each retry starts from a fresh UMEM; after a second of
	 * EBUSY the queue really is busy.
	 */
	for (int tries = 0;; tries++) {
		struct timespec pause = { 0, 20 * 1000 * 1000 };

		ret = afxdp_xsk_create(ap, &ucfg, &scfg);
		if (ret != -EBUSY || tries == 50)
			break;
		nanosleep(&pause, NULL);
	}
	if (ret == AFXDP_UMEM_FAILED)
		return -errno;  /* bump_error() already said why */
	if (ret)
		return afxdp_socket_error(ap, -ret);
	fd = xsk_socket__fd(ap->xsk);
	ret = afxdp_query_zero_copy(fd, &ap->zero_copy);
	if (ret) {
		afxdp_xsk_close(ap);
		return ret;
	}
	if (!ap->zero_copy && a->zc == AFXDP_ZC_AUTO) {
		atomic_fetch_add(&afxdp_fallbacks, 1);
		if (!atomic_exchange(&afxdp_fallback_warned, true))
			bump_log(BUMP_LOG_WARN, "afxdp: %s queue %u has no zero-copy AF_XDP: using "
				 "copy mode, the kernel copies every packet (warned once per "
				 "process; counted in bump_afxdp_copy_fallbacks(); zc=off silences "
				 "this)", a->ifname, a->queue);
	}
	rxq->fd = fd;
	txq->fd = fd;
	rxq->need_wakeup = txq->need_wakeup = true;
	bump_log(BUMP_LOG_INFO, "afxdp: %s queue %u bound, mode=%s, %s, UMEM %u frames of %u "
		 "bytes over arena '%s'", a->ifname, a->queue, afxdp_mode_name(a->mode),
		 ap->zero_copy ? "zero-copy" : "copy mode", rxq->map.nframes, ucfg.frame_size,
		 bump_arena_name(rxq->map.arena));
	return 0;
}

void afxdp_xsk_close(struct afxdp_port *ap)
{
	int ret;

	/* The socket first: libxdp detaches its program when the last socket goes. */
	if (ap->xsk)
		xsk_socket__delete(ap->xsk);
	ap->xsk = NULL;
	if (ap->umem) {
		ret = xsk_umem__delete(ap->umem);
		if (ret)
			bump_log(BUMP_LOG_WARN, "afxdp: %s: deleting the UMEM: %s", ap->args.ifname,
				 strerror(-ret));
	}
	ap->umem = NULL;
	ap->rxq.fd = ap->txq.fd = -1;
}

int afxdp_xsk_stats(const struct afxdp_port *ap, struct xdp_statistics *st)
{
	socklen_t len = sizeof(*st);

	memset(st, 0, sizeof(*st));
	if (!ap->xsk)
		return 0;
	if (getsockopt(xsk_socket__fd(ap->xsk), SOL_XDP, XDP_STATISTICS, st, &len) < 0)
		return bump_error(errno, "afxdp: getsockopt(XDP_STATISTICS) on %s: %s",
				  ap->args.ifname, strerror(errno));
	return 0;
}
