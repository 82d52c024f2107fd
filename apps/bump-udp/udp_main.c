/* SPDX-License-Identifier: MIT */
/*
 * udp_main.c - bump-udp: options, memory, sockets, threads, stats.
 */
#include "udp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct udp_app udp_app;

static void udp_usage(FILE *f)
{
	fprintf(f,
		"Usage: bump-udp --listen ADDR:PORT [options]\n"
		"An example UDP server on io_uring: each thread has its own socket\n"
		"(SO_REUSEPORT), io_uring, and provided-buffer ring fed by its own bump pool.\n"
		"\n"
		"  --listen ADDR:PORT   the IPv4 address and port to serve\n"
		"  --threads N          I/O threads (default 1)\n"
		"  --mode sink|echo     sink: check and drop each datagram (default); echo:\n"
		"                       send it back to its sender from the same buffer\n"
		"  --backend B          bump (default): the ring fed by a bump pool;\n"
		"                       malloc: liburing's ring fed by malloc (sink only);\n"
		"                       recvmmsg: no io_uring (sink only); for comparisons\n"
		"  --zc                 echo: zero-copy replies (SEND_ZC from the pool's memory\n"
		"                       registered as fixed buffers); where the kernel cannot,\n"
		"                       one warning and the replies are copied (zc-fallback)\n"
		"  --self-return        sink: the I/O thread frees the datagrams itself\n"
		"                       (default: a consumer thread per I/O thread does,\n"
		"                       so buffers come back from another thread)\n"
		"  --ring N             buffer ring entries, a power of two (default 1024)\n"
		"  --bufs N             buffers per thread (default 4096)\n"
		"  --buf-size BYTES     bytes per buffer, a power of two (default 2048)\n"
		"  --duration SECONDS   stop after this long (default: at SIGINT/SIGTERM)\n"
		"  --stats-period SEC   seconds between stats lines (default 1; 0: summary only)\n"
		"  -h, --help           this text\n"
		"  --version            print bump's version\n"
		"\n"
		"Exits 1 when a datagram was corrupt or a buffer is still in flight at exit.\n"
		"Ports on io_uring for bump-fwd and other port API users: uring:<ifname>,\n"
		"uring:udp=ADDR:PORT[,peer=ADDR:PORT].\n");
}

static int udp_parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	port = strtoul(colon + 1, &end, 10);
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return *end || end == colon + 1 || port > 65535 ||
	       inet_pton(AF_INET, host, &sa->sin_addr) != 1 ? -1 : 0;
}

static int udp_parse_uint(const char *opt, const char *s, unsigned min, unsigned max, bool pow2,
			  unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end || end == s || s[0] == '-' || v < min || v > max || (pow2 && (v & (v - 1)))) {
		fprintf(stderr, "bump-udp: --%s %s: use %s from %u to %u\n", opt, s,
			pow2 ? "a power of two" : "a number", min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int udp_opts(int argc, char **argv, struct udp_cfg *cfg)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "backend", required_argument, NULL, 'b' },
		{ "self-return", no_argument, NULL, 's' },
		{ "zc", no_argument, NULL, 'Z' },
		{ "ring", required_argument, NULL, 'r' },
		{ "bufs", required_argument, NULL, 'n' },
		{ "buf-size", required_argument, NULL, 'z' },
		{ "duration", required_argument, NULL, 'd' },
		{ "stats-period", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_addr = false;
	int c;

	*cfg = (struct udp_cfg){ .threads = 1, .ring = 1024, .bufs = 4096, .buf_size = 2048,
				 .period = 1 };
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			if (udp_parse_addr(optarg, &cfg->addr)) {
				fprintf(stderr, "bump-udp: --listen %s: give an IPv4 address and a "
					"port, e.g. --listen 127.0.0.1:9000\n", optarg);
				return -1;
			}
			have_addr = true;
			break;
		case 't':
			if (udp_parse_uint("threads", optarg, 1, UDP_MAX_THREADS, false, &cfg->threads))
				return -1;
			break;
		case 'm':
			if (strcmp(optarg, "sink") == 0)
				cfg->mode = UDP_MODE_SINK;
			else if (strcmp(optarg, "echo") == 0)
				cfg->mode = UDP_MODE_ECHO;
			else {
				fprintf(stderr, "bump-udp: --mode %s: use sink or echo\n", optarg);
				return -1;
			}
			break;
		case 'b':
			if (strcmp(optarg, "bump") == 0)
				cfg->backend = UDP_BACKEND_BUMP;
			else if (strcmp(optarg, "malloc") == 0)
				cfg->backend = UDP_BACKEND_MALLOC;
			else if (strcmp(optarg, "recvmmsg") == 0)
				cfg->backend = UDP_BACKEND_MMSG;
			else {
				fprintf(stderr, "bump-udp: --backend %s: use bump, malloc or "
					"recvmmsg\n", optarg);
				return -1;
			}
			break;
		case 's':
			cfg->self_return = true;
			break;
		case 'Z':
			cfg->zc = true;
			break;
		case 'r':
			if (udp_parse_uint("ring", optarg, 1, BUMP_URING_BUFRING_MAX, true, &cfg->ring))
				return -1;
			break;
		case 'n':
			if (udp_parse_uint("bufs", optarg, 1, 1u << 20, false, &cfg->bufs))
				return -1;
			break;
		case 'z':
			if (udp_parse_uint("buf-size", optarg, 256, 65536, true, &cfg->buf_size))
				return -1;
			break;
		case 'd':
		case 'p': {
			char *end;
			double v = strtod(optarg, &end);

			if (*end || end == optarg || v < 0) {
				fprintf(stderr, "bump-udp: --%s %s: give seconds, e.g. 1.5\n",
					c == 'd' ? "duration" : "stats-period", optarg);
				return -1;
			}
			*(c == 'd' ? &cfg->duration : &cfg->period) = v;
			break;
		}
		case 'h':
			udp_usage(stdout);
			exit(0);
		case 'V':
			printf("bump-udp %s\n", bump_version());
			exit(0);
		default:
			udp_usage(stderr);
			return -1;
		}
	}
	if (!have_addr) {
		fprintf(stderr, "bump-udp: --listen ADDR:PORT is required (--help)\n");
		return -1;
	}
	if (cfg->zc && cfg->mode != UDP_MODE_ECHO) {
		fprintf(stderr, "bump-udp: --zc is for replies: use it with --mode echo\n");
		return -1;
	}
	if (cfg->mode == UDP_MODE_ECHO && (cfg->backend != UDP_BACKEND_BUMP || cfg->self_return)) {
		fprintf(stderr, "bump-udp: --mode echo runs on --backend bump, and the reply's "
			"completion frees the buffer (no --self-return)\n");
		return -1;
	}
	return 0;
}

int udp_socket_open(const struct udp_cfg *cfg, int *out)
{
	struct timeval tv = { .tv_usec = 50 * 1000 };
	int one = 1, rcvbuf = 16 << 20;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "bump-udp: socket: %s\n", strerror(errno));
		return -errno;
	}
	/* One socket per thread on the same port: the kernel spreads flows over them. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		fprintf(stderr, "bump-udp: setsockopt: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (const struct sockaddr *)&cfg->addr, sizeof(cfg->addr)) < 0) {
		int err = errno;

		fprintf(stderr, "bump-udp: bind %s:%u: %s%s\n", inet_ntoa(cfg->addr.sin_addr),
			ntohs(cfg->addr.sin_port), strerror(err), err == EADDRINUSE ?
			" (another program holds the port: pick another with --listen)" :
			err == EADDRNOTAVAIL ? " (no interface has that address: 'ip addr')" : "");
		close(fd);
		return -err;
	}
	*out = fd;
	return 0;
}

/* One region and arena for every thread's pool: --threads x --bufs buffers. */
static int udp_memory(struct udp_app *app)
{
	const struct udp_cfg *cfg = &app->cfg;
	struct bump_region_params rp = {
		.name = "bump-udp", .size = (size_t)cfg->threads * cfg->bufs * cfg->buf_size,
		.numa_node = BUMP_NUMA_ANY,
	};
	struct bump_arena_params ap = { .name = "bump-udp", .page_size = cfg->buf_size };

	if (bump_region_create(&rp, &app->region))
		return -1;
	ap.region = app->region;
	return bump_arena_create(&ap, &app->arena) ? -1 : 0;
}

static double udp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void udp_on_signal(int sig)
{
	(void)sig;
	atomic_store(&udp_app.stop, true);
}

struct udp_totals {
	uint64_t rx, rx_bytes, bad, tx, tx_errors, enobufs, rearms, handoff_full, consumed,
		 consumed_bad, inflight, zc, zc_copied, zc_fallback;
};

static void udp_sum(const struct udp_app *app, struct udp_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < app->cfg.threads; i++) {
		const struct udp_worker *w = &app->workers[i];

		t->rx += w->st.rx;
		t->rx_bytes += w->st.rx_bytes;
		t->bad += w->st.bad;
		t->tx += w->st.tx;
		t->tx_errors += w->st.tx_errors;
		t->enobufs += w->st.enobufs;
		t->rearms += w->st.rearms;
		t->handoff_full += w->st.handoff_full;
		t->zc += w->st.zc;
		t->zc_copied += w->st.zc_copied;
		t->zc_fallback += w->st.zc_fallback;
		t->consumed += w->consumed;
		t->consumed_bad += w->consumed_bad;
	}
	if (app->cfg.backend == UDP_BACKEND_BUMP) {
		struct bump_pool_info infos[UDP_MAX_THREADS + 8];
		unsigned n = bump_pool_list(infos, BUMP_ARRAY_SIZE(infos));

		for (unsigned i = 0; i < BUMP_MIN(n, (unsigned)BUMP_ARRAY_SIZE(infos)); i++)
			t->inflight += infos[i].inflight;
	}
}

static void udp_stats_line(const struct udp_totals *a, const struct udp_totals *b, double dt)
{
	printf("bump-udp: rx %.3f Mpps %.1f Mbit/s total %" PRIu64 " | tx %.3f Mpps | bad %" PRIu64
	       " enobufs %" PRIu64 " rearms %" PRIu64 " handoff-full %" PRIu64 " | inflight %"
	       PRIu64 "\n", (double)(b->rx - a->rx) / dt / 1e6,
	       (double)(b->rx_bytes - a->rx_bytes) * 8 / dt / 1e6, b->rx, (double)(b->tx - a->tx) / dt / 1e6,
	       b->bad + b->consumed_bad, b->enobufs, b->rearms, b->handoff_full, b->inflight);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const char *backends[] = { "bump", "malloc", "recvmmsg" };
	struct udp_app *app = &udp_app;
	struct udp_cfg *cfg = &app->cfg;
	struct udp_totals t0, prev, now;
	double start, last, end;
	long inflight = 0;
	int ret = 1;
	unsigned started = 0;

	if (udp_opts(argc, argv, cfg))
		return 2;
	signal(SIGINT, udp_on_signal);
	signal(SIGTERM, udp_on_signal);
	if (cfg->backend == UDP_BACKEND_BUMP && udp_memory(app)) {
		fprintf(stderr, "bump-udp: no memory for %u threads x %u buffers of %u bytes: %s\n",
			cfg->threads, cfg->bufs, cfg->buf_size, bump_last_error());
		return 1;
	}
	for (unsigned i = 0; i < cfg->threads; i++) {
		struct udp_worker *w = &app->workers[i];

		w->app = app;
		w->idx = i;
		w->fd = -1;
		if (udp_socket_open(cfg, &w->fd))
			goto out;
	}
	for (; started < cfg->threads; started++) {
		struct udp_worker *w = &app->workers[started];

		if (!cfg->self_return && cfg->mode == UDP_MODE_SINK && udp_consumer_start(w))
			break;
		if (pthread_create(&w->io_thread, NULL, cfg->backend == UDP_BACKEND_MMSG ?
				   udp_mmsg_thread : udp_uring_thread, w)) {
			udp_consumer_stop(w);
			break;
		}
	}
	printf("bump-udp: %s on %s:%u, %u thread%s, backend %s, %s, ring %u, %u buffers of %u "
	       "bytes per thread\n", cfg->mode == UDP_MODE_ECHO ? "echo" : "sink",
	       inet_ntoa(cfg->addr.sin_addr), ntohs(cfg->addr.sin_port), cfg->threads,
	       cfg->threads > 1 ? "s" : "", backends[cfg->backend], cfg->mode == UDP_MODE_ECHO ?
	       "replies from the request's buffer" : cfg->self_return ? "freed by the I/O thread" :
	       "freed by a consumer thread", cfg->ring, cfg->bufs, cfg->buf_size);
	printf("ready\n");
	fflush(stdout);
	udp_sum(app, &t0);
	prev = t0;
	start = last = udp_now();
	while (started == cfg->threads && !atomic_load(&app->stop)) {
		usleep(10000);
		end = udp_now();
		if (cfg->duration && end - start >= cfg->duration)
			break;
		if (cfg->period && end - last >= cfg->period) {
			udp_sum(app, &now);
			udp_stats_line(&prev, &now, end - last);
			prev = now;
			last = end;
		}
	}
	end = udp_now();
	atomic_store(&app->stop, true);
	ret = 0;
out:
	for (unsigned i = 0; i < started; i++) {
		pthread_join(app->workers[i].io_thread, NULL);
		ret |= app->workers[i].error ? 1 : 0;
		inflight += app->workers[i].inflight_at_exit;
	}
	for (unsigned i = 0; i < cfg->threads; i++)
		if (app->workers[i].fd >= 0)
			close(app->workers[i].fd);
	if (started == cfg->threads && ret == 0) {
		udp_sum(app, &now);
		printf("bump-udp: received %" PRIu64 " datagrams (%" PRIu64 " bytes) in %.2f s: %.3f "
		       "Mpps; bad %" PRIu64 "; freed on consumer threads %" PRIu64 " (bad %" PRIu64
		       "); replies %" PRIu64 " (errors %" PRIu64 "); enobufs %" PRIu64 " rearms %"
		       PRIu64 "\n", now.rx, now.rx_bytes, end - start,
		       (double)now.rx / (end - start) / 1e6, now.bad, now.consumed, now.consumed_bad,
		       now.tx, now.tx_errors, now.enobufs, now.rearms);
		{
			struct rusage ru;
			double cpu;

			getrusage(RUSAGE_SELF, &ru);
			cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
			      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
			printf("bump-udp: cpu %.2f s, %.0f ns per datagram (user and system, every "
			       "thread)\n", cpu, now.rx ? cpu * 1e9 / (double)now.rx : 0.0);
		}
		if (cfg->zc)
			printf("bump-udp: replies zero-copy %" PRIu64 ", copied by the kernel %" PRIu64
			       " (SEND_ZC to a local socket is), zc-fallback %" PRIu64 "\n", now.zc,
			       now.zc_copied, now.zc_fallback);
		if (now.bad || now.consumed_bad) {
			fprintf(stderr, "bump-udp: %" PRIu64 " datagrams were corrupt or not the test "
				"client's\n", now.bad + now.consumed_bad);
			ret = 1;
		}
	}
	if (cfg->backend == UDP_BACKEND_BUMP && started) {
		if (inflight) {
			fprintf(stderr, "bump-udp: %ld buffers still in flight at exit\n", inflight);
			ret = 1;
		} else {
			printf("bump-udp: all pools destroyed with 0 buffers in flight\n");
		}
	}
	if (app->arena && bump_arena_destroy(app->arena) == 0)
		bump_region_destroy(app->region);
	return ret;
}
