/* SPDX-License-Identifier: MIT */
/*
 * stat_main.c - bump-stat: list running bump processes and show their pools
 * and ports, once or refreshed like top, as tables or JSON (stat.h).
 *
 * Each process that uses bump serves DPDK telemetry's v2 protocol on
 * <dir>/dpdk/<pid>/dpdk_telemetry.v2 (bump_telemetry.h); bump-stat asks it
 * /bump/info, /bump/page_pool/get, /bump/page_pool/stats_get, /bump/port/get
 * and /bump/port/stats.  Directories of processes that are gone are removed.
 */
#include "stat.h"
#include "bump.h"
#include "bump_telemetry.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define STAT_PROCS_MAX 64
#define STAT_NODES 65536

enum { Q_INFO, Q_POOLS, Q_POOL_STATS, Q_PORTS, Q_PORT_STATS, Q_COUNT };
static const char *const stat_cmds[Q_COUNT] = {
	"/bump/info", "/bump/page_pool/get", "/bump/page_pool/stats_get", "/bump/port/get",
	"/bump/port/stats",
};
static const char *const stat_json_names[Q_COUNT] = {
	"info", "pools", "pool_stats", "ports", "port_stats",
};

struct stat_proc {
	int pid;
	char path[PATH_MAX];
	char *now[Q_COUNT];    /* this sample's replies: the data of {"<cmd>":<data>} */
	char *prev[Q_COUNT];   /* the previous sample's, for rates */
	double t_now, t_prev;
};

static struct {
	bool list, watch, json;
	int pid;
	double interval;
	long count;            /* --watch: samples, 0: until Ctrl-C */
	char dir[PATH_MAX];
} opt = { .interval = 1.0 };

static struct stat_proc procs[STAT_PROCS_MAX];
static unsigned nprocs;
static struct sjson nodes[3][STAT_NODES];  /* info, stats, the previous stats */
static volatile sig_atomic_t stop;

static void stat_usage(FILE *out)
{
	fprintf(out,
		"Usage: bump-stat [options]\n"
		"Pools and ports of running bump processes, read from their telemetry sockets.\n"
		"\n"
		"  -l, --list           list the processes: pid, program, version, pools, ports\n"
		"  -p, --pid PID        only this process (default: every one found)\n"
		"  -w, --watch          refresh every interval, like top, with rates (Ctrl-C stops)\n"
		"  -i, --interval SEC   seconds between refreshes (default 1)\n"
		"  -n, --count N        --watch: stop after N refreshes\n"
		"  -j, --json           JSON for scripts: one document per refresh, a line each\n"
		"  -h, --help           this text\n"
		"  -V, --version        print bump's version\n"
		"\n"
		"Every process that creates a bump pool serves a socket (DPDK telemetry's v2\n"
		"protocol) unless it runs with BUMP_TELEMETRY=0.  The sockets are in\n"
		"  %s/<pid>/dpdk_telemetry.v2\n"
		"($BUMP_RUNTIME_DIR/dpdk when set, else /var/run/bump/dpdk for root, else\n"
		"$XDG_RUNTIME_DIR/bump/dpdk).  DPDK's client reads them too:\n"
		"  RUNTIME_DIRECTORY=%.*s dpdk-telemetry.py -f <pid>\n"
		"and a DPDK program with bump's mempool plugin also answers bump's commands\n"
		"on its own DPDK socket (dpdk-telemetry.py; doc/telemetry.md lists them).\n",
		opt.dir, (int)(strlen(opt.dir) - 5), opt.dir);
}

static int stat_opts(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "list", no_argument, NULL, 'l' },   { "pid", required_argument, NULL, 'p' },
		{ "watch", no_argument, NULL, 'w' },  { "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },   { "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	if (bump_telemetry_dir(opt.dir, sizeof(opt.dir))) {
		fprintf(stderr, "bump-stat: %s\n", bump_last_error());
		return 2;
	}
	while ((c = getopt_long(argc, argv, "lp:wi:n:jhV", longs, NULL)) != -1) {
		switch (c) {
		case 'l':
			opt.list = true;
			break;
		case 'p':
			opt.pid = (int)strtol(optarg, &end, 10);
			if (*end || opt.pid <= 0) {
				fprintf(stderr, "bump-stat: --pid %s: give a process id (bump-stat "
					"--list shows them)\n", optarg);
				return 2;
			}
			break;
		case 'w':
			opt.watch = true;
			break;
		case 'i':
			opt.interval = strtod(optarg, &end);
			if (*end || !(opt.interval >= 0.1 && opt.interval <= 3600)) {
				fprintf(stderr, "bump-stat: --interval %s: give seconds, 0.1 to 3600\n",
					optarg);
				return 2;
			}
			break;
		case 'n':
			opt.count = strtol(optarg, &end, 10);
			if (*end || opt.count <= 0) {
				fprintf(stderr, "bump-stat: --count %s: give a number of refreshes, 1 "
					"or more\n", optarg);
				return 2;
			}
			break;
		case 'j':
			opt.json = true;
			break;
		case 'h':
			stat_usage(stdout);
			return 0;
		case 'V':
			printf("bump-stat %s\n", bump_version());
			return 0;
		default:
			fprintf(stderr, "bump-stat: see bump-stat --help\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bump-stat: unexpected argument '%s'; see bump-stat --help\n",
			argv[optind]);
		return 2;
	}
	return -1;
}

/* ---- Finding processes and asking them ------------------------------------ */

static bool stat_alive(int pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

static void stat_add(int pid)
{
	struct stat_proc *p;

	if (nprocs == STAT_PROCS_MAX || !stat_alive(pid))
		return;
	p = &procs[nprocs];
	if (snprintf(p->path, sizeof(p->path), "%s/%d/dpdk_telemetry.v2", opt.dir, pid) >=
	    (int)sizeof(p->path) || access(p->path, F_OK))
		return;
	p->pid = pid;
	nprocs++;
}

/* The processes with a socket, by pid; a directory whose process is gone is removed. */
static void stat_find(void)
{
	char path[PATH_MAX + 300];
	struct dirent *e;
	DIR *d;

	if (opt.pid) {
		stat_add(opt.pid);
		return;
	}
	d = opendir(opt.dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		if (!stat_alive((int)pid)) {
			snprintf(path, sizeof(path), "%s/%s/dpdk_telemetry.v2", opt.dir, e->d_name);
			unlink(path);
			snprintf(path, sizeof(path), "%s/%s", opt.dir, e->d_name);
			rmdir(path);
			continue;
		}
		stat_add((int)pid);
	}
	closedir(d);
	/* In pid order, so lists and JSON are stable. */
	for (unsigned i = 1; i < nprocs; i++)
		for (unsigned k = i; k > 0 && procs[k - 1].pid > procs[k].pid; k--) {
			struct stat_proc t = procs[k];

			procs[k] = procs[k - 1];
			procs[k - 1] = t;
		}
}

static char reply[BUMP_TEL_OUTPUT_MAX + 1];

/* Ask @cmd on @fd: a copy of the data of its reply {"<cmd>":<data>}, or NULL. */
static char *stat_ask(int fd, const char *cmd)
{
	char *data, *last;
	ssize_t n;

	if (send(fd, cmd, strlen(cmd), 0) < 0 || (n = recv(fd, reply, sizeof(reply) - 1, 0)) <= 0)
		return NULL;
	reply[n] = '\0';
	data = strstr(reply, "\":");
	last = strrchr(reply, '}');
	if (!data || !last || last < data + 2)
		return NULL;
	*last = '\0';
	return strdup(data + 2);
}

/*
 * Every pool or port of @q, one request per id: what a process answers when
 * all of them at once do not fit in one reply (it answers null then).
 */
static char *stat_ask_each(int fd, int q)
{
	static struct sjson ids_nodes[BUMP_TEL_ARRAY_MAX + 1];
	const char *list = q <= Q_POOL_STATS ? "/bump/page_pool/list" : "/bump/port/list";
	char *ids = stat_ask(fd, list), *out = strdup("{"), cmd[96];
	const struct sjson *arr = ids ? sjson_parse(ids, ids_nodes, BUMP_ARRAY_SIZE(ids_nodes)) : NULL;
	size_t len = 1;

	for (const struct sjson *i = arr ? arr->child : NULL; i && out; i = i->next) {
		char *one, *grown;

		snprintf(cmd, sizeof(cmd), "%s,%" PRIu64, stat_cmds[q], i->u);
		one = stat_ask(fd, cmd);
		if (one && strcmp(one, "null")) {  /* null: it went meanwhile */
			grown = realloc(out, len + strlen(one) + 32);
			if (grown)
				len += (size_t)sprintf(grown + len, "%s\"%" PRIu64 "\":%s", len > 1 ? "," : "",
						       i->u, one);
			out = grown;
		}
		free(one);
	}
	free(ids);
	if (out && (size_t)snprintf(out + len, 2, "}") != 1) {
		free(out);
		out = NULL;
	}
	return out;
}

/* Every command of @p's sample, into p->now; false when the process cannot be asked. */
static bool stat_sample(struct stat_proc *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timespec ts;
	bool ok = false;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", p->path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    recv(fd, reply, sizeof(reply) - 1, 0) <= 0)  /* the greeting */
		goto out;
	for (int q = 0; q < Q_COUNT; q++) {
		char *data = stat_ask(fd, stat_cmds[q]);

		if (data && q != Q_INFO && !strcmp(data, "null")) {
			free(data);
			data = stat_ask_each(fd, q);
		}
		if (!data)
			goto out;
		free(p->prev[q]);
		p->prev[q] = p->now[q];
		p->now[q] = data;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->t_prev = p->t_now;
	p->t_now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	ok = true;
out:
	if (fd >= 0)
		close(fd);
	return ok;
}

/* ---- Output ---------------------------------------------------------------- */

static void stat_print_json(const struct stat_proc *p, bool first)
{
	printf("%s{\"pid\":%d,\"socket\":\"%s\"", first ? "" : ",", p->pid, p->path);
	for (int q = 0; q < (opt.list ? 1 : Q_COUNT); q++)
		printf(",\"%s\":%s", stat_json_names[q], p->now[q]);
	printf("}");
}

/* @text parsed into nodes[@slot] (a copy: the parser writes into it). */
static const struct sjson *stat_parse(const char *text, int slot, char **copy)
{
	*copy = text ? strdup(text) : NULL;
	return *copy ? sjson_parse(*copy, nodes[slot], STAT_NODES) : NULL;
}

static double stat_rate(uint64_t now, uint64_t before, double secs)
{
	return secs > 0 && now >= before ? (double)(now - before) / secs : 0;
}

static void stat_print_pools(const struct stat_proc *p, bool rates)
{
	char *c1, *c2, *c3;
	const struct sjson *info = stat_parse(p->now[Q_POOLS], 0, &c1);
	const struct sjson *st = stat_parse(p->now[Q_POOL_STATS], 1, &c2);
	const struct sjson *old = stat_parse(rates ? p->prev[Q_POOL_STATS] : NULL, 2, &c3);
	double secs = p->t_now - p->t_prev;

	printf("  %-5s %-16s %4s %8s %6s %9s %12s %8s %8s %12s %9s %9s%s\n", "POOL", "NAME", "NODE",
	       "PAGE", "BUF", "INFLIGHT", "ALLOC_FAST", "SLOW", "REFILL", "REC_CACHED", "REC_RING",
	       "RING_FULL", rates ? "   ALLOC/s" : "");
	for (const struct sjson *i = info ? info->child : NULL; i; i = i->next) {
		const struct sjson *s = sjson_get(st, i->key), *o;

		printf("  %-5s %-16.16s %4ld %7" PRIu64 "K %6" PRIu64 " %9" PRIu64 " %12" PRIu64 " %8"
		       PRIu64 " %8" PRIu64 " %12" PRIu64 " %9" PRIu64 " %9" PRIu64, i->key,
		       sjson_str(i, "name"), sjson_int(i, "nid"),
		       sjson_u64(sjson_get(i, "region"), "page_size") >> 10, sjson_u64(i, "buf_size"),
		       sjson_u64(s, "inflight"), sjson_u64(s, "alloc_fast"), sjson_u64(s, "alloc_slow"),
		       sjson_u64(s, "alloc_refill"), sjson_u64(s, "recycle_cached"),
		       sjson_u64(s, "recycle_ring"), sjson_u64(s, "recycle_ring_full"));
		if (rates) {
			o = sjson_get(old, i->key);
			printf(" %10.0f", o ? stat_rate(sjson_u64(s, "alloc_fast"),
							sjson_u64(o, "alloc_fast"), secs) : 0.0);
		}
		printf("%s\n", sjson_u64(i, "detach_time_ns") ? "  (destroyed, waiting for buffers)" : "");
	}
	free(c1);
	free(c2);
	free(c3);
}

static void stat_print_ports(const struct stat_proc *p, bool rates)
{
	char *c1, *c2, *c3;
	const struct sjson *info = stat_parse(p->now[Q_PORTS], 0, &c1);
	const struct sjson *st = stat_parse(p->now[Q_PORT_STATS], 1, &c2);
	const struct sjson *old = stat_parse(rates ? p->prev[Q_PORT_STATS] : NULL, 2, &c3);
	double secs = p->t_now - p->t_prev;

	if (!info || !info->child)
		goto out;
	printf("  %-5s %-24s %-6s %-7s %13s %15s %13s %15s %8s %8s%s\n", "PORT", "NAME", "DRIVER",
	       "STATE", "RX_PACKETS", "RX_BYTES", "TX_PACKETS", "TX_BYTES", "MISSED", "NOMBUF",
	       rates ? "  RX_Mpps  TX_Mpps" : "");
	for (const struct sjson *i = info->child; i; i = i->next) {
		const struct sjson *s = sjson_get(sjson_get(st, i->key), "total");
		const struct sjson *o = sjson_get(sjson_get(old, i->key), "total");

		printf("  %-5s %-24.24s %-6.6s %-7s %13" PRIu64 " %15" PRIu64 " %13" PRIu64 " %15" PRIu64
		       " %8" PRIu64 " %8" PRIu64, i->key, sjson_str(i, "name"), sjson_str(i, "driver"),
		       sjson_int(i, "started") ? "started" : "stopped", sjson_u64(s, "ipackets"),
		       sjson_u64(s, "ibytes"), sjson_u64(s, "opackets"), sjson_u64(s, "obytes"),
		       sjson_u64(s, "imissed"), sjson_u64(s, "rx_nombuf"));
		if (rates)
			printf(" %8.3f %8.3f",
			       o ? stat_rate(sjson_u64(s, "ipackets"), sjson_u64(o, "ipackets"), secs) / 1e6 : 0,
			       o ? stat_rate(sjson_u64(s, "opackets"), sjson_u64(o, "opackets"), secs) / 1e6 : 0);
		printf("\n");
	}
out:
	free(c1);
	free(c2);
	free(c3);
}

static void stat_print_proc(const struct stat_proc *p, bool rates)
{
	char *c;
	const struct sjson *i = stat_parse(p->now[Q_INFO], 0, &c);
	const struct sjson *e = sjson_get(i, "errors");

	if (opt.list) {
		printf("%-8d %-16s %-8s %6ld %6ld  %s\n", p->pid, sjson_str(i, "comm"),
		       sjson_str(i, "version"), sjson_int(i, "pools"), sjson_int(i, "ports"), p->path);
	} else {
		printf("%s (pid %d), bump %s: %ld pools, %ld ports; errors: double_put %" PRIu64
		       " wrong_pool %" PRIu64 " foreign %" PRIu64 "\n", sjson_str(i, "comm"), p->pid,
		       sjson_str(i, "version"), sjson_int(i, "pools"), sjson_int(i, "ports"),
		       sjson_u64(e, "double_put"), sjson_u64(e, "wrong_pool"), sjson_u64(e, "foreign"));
	}
	free(c);
	if (opt.list)
		return;
	stat_print_pools(p, rates);
	stat_print_ports(p, rates);
}

static void stat_on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	int ret = stat_opts(argc, argv);
	bool tty = isatty(STDOUT_FILENO);

	if (ret >= 0)
		return ret;
	signal(SIGINT, stat_on_signal);
	signal(SIGTERM, stat_on_signal);
	signal(SIGPIPE, SIG_IGN);
	stat_find();
	if (!nprocs) {
		if (opt.pid)
			fprintf(stderr, "bump-stat: process %d has no telemetry socket at %s/%d/: it "
				"does not run, uses no bump pool yet, runs with BUMP_TELEMETRY=0, or "
				"sees another BUMP_RUNTIME_DIR\n", opt.pid, opt.dir, opt.pid);
		else
			fprintf(stderr, "bump-stat: no bump process found in %s: start one (for "
				"instance 'bump-fwd --duration 0'); a process started with "
				"BUMP_TELEMETRY=0 has no socket, and one with another BUMP_RUNTIME_DIR "
				"is found with the same setting here\n", opt.dir);
		return 1;
	}
	for (long n = 0; !stop && (!opt.count || n < opt.count); n++) {
		unsigned shown = 0;

		if (n)
			nanosleep(&(struct timespec){ .tv_sec = (time_t)opt.interval,
				  .tv_nsec = (long)((opt.interval - (double)(time_t)opt.interval) * 1e9) },
				  NULL);
		if (stop)
			break;
		if (opt.watch && tty && !opt.json)
			printf("\033[H\033[2J");
		if (opt.json)
			printf("{\"processes\":[");
		else if (opt.list)
			printf("%-8s %-16s %-8s %6s %6s  %s\n", "PID", "COMM", "VERSION", "POOLS", "PORTS",
			       "SOCKET");
		for (unsigned i = 0; i < nprocs; i++) {
			if (!stat_sample(&procs[i]))
				continue;  /* it exited meanwhile */
			if (opt.json)
				stat_print_json(&procs[i], !shown);
			else
				stat_print_proc(&procs[i], opt.watch && n > 0);
			shown++;
		}
		if (opt.json)
			printf("]}\n");
		fflush(stdout);
		if (!shown) {
			fprintf(stderr, "bump-stat: %s: the process%s exited or stopped answering\n",
				opt.pid ? "no answer" : "no process answered", nprocs > 1 ? "es" : "");
			return 1;
		}
		if (!opt.watch)
			break;
	}
	for (unsigned i = 0; i < nprocs; i++)
		for (int q = 0; q < Q_COUNT; q++) {
			free(procs[i].now[q]);
			free(procs[i].prev[q]);
		}
	return 0;
}
