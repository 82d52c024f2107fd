/* SPDX-License-Identifier: MIT */
/*
 * dpdk_eal.c - starting DPDK's EAL once for the dpdk: ports, and making
 * the threads that run bursts EAL lcores.
 *
 * The defaults keep EAL out of the program's way: its memory in memory
 * only (no files another DPDK process could collide with), lcore 0 on the
 * CPUs the calling thread already has (EAL pins the main thread to its
 * lcore's cpuset), no PCI device probed unless a port names one (a
 * vfio-pci device may belong to bump's own vfio driver), no telemetry
 * socket, and a file prefix of its own ("bump-<pid>").  The user's
 * arguments come after and win.
 *
 * EAL makes a runtime directory (/var/run/dpdk/<prefix>) and never removes
 * it, not even in rte_eal_cleanup().  When bump started EAL with its own
 * prefix, the directory is bump's: it goes at exit (an atexit handler, so
 * every way out of the program takes it, a failed start included).
 */
#include "dpdk_priv.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "bump_dpdk_rundir.h"

#define EAL_ARGS_MAX 64

static pthread_mutex_t eal_lock = PTHREAD_MUTEX_INITIALIZER;
static bool eal_running;
static bool eal_huge;
static int eal_err;                   /* a failed start is not retried */
static char *user_args[EAL_ARGS_MAX];
static int user_argc = -1;            /* -1: none given; BUMP_EAL_ARGS then */
static char eal_prefix[32];           /* "bump-<pid>" when bump chose the file prefix */
static bool eal_owned;                /* bump's rte_eal_init() succeeded: clean up at exit */

int bump_dpdk_eal_args(int argc, const char *const *argv)
{
	int ret = 0;

	if (argc < 0 || argc >= EAL_ARGS_MAX)
		return bump_error(EINVAL, "bump_dpdk_eal_args: %d arguments; at most %d", argc,
				  EAL_ARGS_MAX - 1);
	pthread_mutex_lock(&eal_lock);
	if (eal_running) {
		ret = bump_error(EALREADY, "bump_dpdk_eal_args: EAL already runs: give the "
				 "arguments before the first dpdk: port is opened");
	} else {
		for (int i = 0; i < user_argc; i++)
			free(user_args[i]);
		for (int i = 0; i < argc; i++)
			user_args[i] = strdup(argv[i]);
		user_argc = argc;
	}
	pthread_mutex_unlock(&eal_lock);
	return ret;
}

/* BUMP_EAL_ARGS split on white space, when bump_dpdk_eal_args() gave none. */
static void eal_env_args(void)
{
	const char *env = getenv("BUMP_EAL_ARGS");
	char *copy, *save = NULL;

	if (user_argc >= 0)
		return;
	user_argc = 0;
	if (!env || !(copy = strdup(env)))
		return;
	for (char *w = strtok_r(copy, " \t\n", &save); w && user_argc < EAL_ARGS_MAX - 1;
	     w = strtok_r(NULL, " \t\n", &save))
		user_args[user_argc++] = strdup(w);
	free(copy);
}

/* Whether the user's arguments give any of the options in @opts (NULL-terminated). */
static bool eal_user_has(const char *const *opts)
{
	for (int i = 0; i < user_argc; i++)
		for (const char *const *o = opts; *o; o++)
			if (user_args[i] && !strncmp(user_args[i], *o, strlen(*o)))
				return true;
	return false;
}

static bool eal_hugepages_free(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	long n = 0;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = 0;
		fclose(f);
	}
	/* DPDK's own pools and bump's regions share them: ask for a few. */
	return n >= 16;
}

/* "0@(c0,c1,...)": lcore 0 on the calling thread's CPUs. */
static void eal_lcores_arg(char *buf, size_t len)
{
	cpu_set_t set;
	size_t off = (size_t)snprintf(buf, len, "--lcores=0@(");
	bool first = true;

	if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set)) {
		snprintf(buf, len, "--lcores=0@(0)");
		return;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE && off + 8 < len; cpu++)
		if (CPU_ISSET(cpu, &set)) {
			off += (size_t)snprintf(buf + off, len - off, "%s%d", first ? "" : ",", cpu);
			first = false;
		}
	snprintf(buf + off, len - off, ")");
}

/* A PCI address (DDDD:BB:DD.F or BB:DD.F) at the start of @devargs. */
static bool eal_is_pci(const char *devargs, char *addr, size_t len)
{
	size_t n = strcspn(devargs, ",;");
	unsigned colons = 0, dots = 0;

	for (size_t i = 0; i < n; i++) {
		colons += devargs[i] == ':';
		dots += devargs[i] == '.';
		if (!isxdigit((unsigned char)devargs[i]) && devargs[i] != ':' && devargs[i] != '.')
			return false;
	}
	if (!n || colons < 1 || dots != 1 || n >= len)
		return false;
	snprintf(addr, len, "%.*s", (int)n, devargs);
	return true;
}

/* At exit: EAL's cleanup if bump started it, then its runtime directory. */
static void eal_atexit(void)
{
	char err[256];

	pthread_mutex_lock(&eal_lock);
	if (eal_owned && rte_eal_cleanup())
		bump_log(BUMP_LOG_WARN, "dpdk: rte_eal_cleanup: %s", rte_strerror(rte_errno));
	eal_owned = false;
	if (bump_dpdk_rundir_remove(eal_prefix, err, sizeof(err)))
		bump_log(BUMP_LOG_WARN, "dpdk: %s", err);
	pthread_mutex_unlock(&eal_lock);
}

static int eal_start_locked(const char *first_devargs)
{
	static const char *const mem_opts[] = { "--no-huge", "--in-memory", "-m", "--socket-mem",
						"--file-prefix", "--no-shconf", NULL };
	static const char *const lcore_opts[] = { "-l", "-c", "--lcores", NULL };
	static const char *const pci_opts[] = { "--no-pci", "-a", "-b", "--allow", "--block", NULL };
	static const char *const prefix_opts[] = { "--file-prefix", NULL };
	static char lcores[1024], prefix[64], allow[64];
	char *argv[EAL_ARGS_MAX * 2];
	char addr[32];
	int argc = 0, ret;

	eal_env_args();
	argv[argc++] = (char *)"bump";
	eal_huge = eal_hugepages_free();
	if (!eal_user_has(mem_opts)) {
		if (eal_huge) {
			argv[argc++] = (char *)"--in-memory";
		} else {
			/* --no-huge is legacy memory, which --in-memory refuses. */
			argv[argc++] = (char *)"--no-huge";
			argv[argc++] = (char *)"-m";
			argv[argc++] = (char *)"256";
			argv[argc++] = (char *)"--no-shconf";
		}
	}
	if (!eal_user_has(prefix_opts)) {
		snprintf(eal_prefix, sizeof(eal_prefix), "bump-%d", (int)getpid());
		snprintf(prefix, sizeof(prefix), "--file-prefix=%s", eal_prefix);
		argv[argc++] = prefix;
	}
	if (!eal_user_has(lcore_opts)) {
		eal_lcores_arg(lcores, sizeof(lcores));
		argv[argc++] = lcores;
	}
	if (!eal_user_has(pci_opts)) {
		if (eal_huge && first_devargs && eal_is_pci(first_devargs, addr, sizeof(addr))) {
			snprintf(allow, sizeof(allow), "-a%s", addr);
			argv[argc++] = allow;
		} else {
			argv[argc++] = (char *)"--no-pci";
		}
	}
	argv[argc++] = (char *)"--no-telemetry";
	argv[argc++] = (char *)"--log-level=lib.eal:warning";
	for (int i = 0; i < user_argc; i++)
		argv[argc++] = user_args[i];
	argv[argc] = NULL;

	ret = rte_eal_init(argc, argv);
	if (ret < 0 && rte_errno == EALREADY) {
		/* The program started EAL itself: use it as it is, and leave it be. */
		eal_prefix[0] = '\0';
		eal_huge = rte_eal_has_hugepages();
		return 0;
	}
	eal_owned = ret >= 0;
	if (eal_prefix[0] && atexit(eal_atexit))
		bump_log(BUMP_LOG_WARN, "dpdk: atexit failed: %s stays at exit",
			 rte_eal_get_runtime_dir());
	if (ret < 0)
		return bump_error(rte_errno ? rte_errno : EINVAL,
				  "DPDK's EAL did not start (%s; its own lines above say why): fix "
				  "BUMP_EAL_ARGS or bump_dpdk_eal_args(), or reserve hugepages with "
				  "scripts/hugepages.sh", rte_strerror(rte_errno));
	eal_huge = rte_eal_has_hugepages();
	if (eal_prefix[0]) {
		char err[256];
		int swept = bump_dpdk_rundir_sweep("bump", err, sizeof(err));

		if (swept > 0)
			bump_log(BUMP_LOG_INFO, "dpdk: removed the runtime directories bump-<pid> of %d "
				 "processes that are gone", swept);
		else if (swept < 0)
			bump_log(BUMP_LOG_WARN, "dpdk: %s", err);
	}
	bump_log(BUMP_LOG_INFO, "dpdk: EAL started (%s, IOVA as %s)",
		 eal_huge ? "hugepages" : "--no-huge", rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA");
	return 0;
}

int dpdk_eal_start(const char *first_devargs)
{
	int ret = 0;

	pthread_mutex_lock(&eal_lock);
	if (!eal_running && !eal_err) {
		ret = eal_start_locked(first_devargs);
		eal_running = ret == 0;
		eal_err = ret;
	} else if (eal_err) {
		ret = bump_error(-eal_err, "DPDK's EAL failed to start earlier in this process and "
				 "cannot be retried: restart with working BUMP_EAL_ARGS");
	}
	pthread_mutex_unlock(&eal_lock);
	return ret;
}

int bump_dpdk_eal_init(void)
{
	return dpdk_eal_start(NULL);
}

bool bump_dpdk_eal_hugepages(void)
{
	return eal_running && eal_huge;
}

/* Tried once per thread: a thread EAL has no lcore for runs without mempool caches. */
void dpdk_thread_register_slow(void)
{
	static __thread bool tried;
	static _Atomic bool warned;

	if (tried)
		return;
	tried = true;
	if (rte_thread_register() == 0)
		return;
	if (!atomic_exchange(&warned, true))
		bump_log(BUMP_LOG_WARN, "dpdk: a thread running bursts got no EAL lcore (%s): its "
			 "mbuf gets and puts bypass the per-lcore caches, which is slower; "
			 "fewer threads, or EAL -l with free lcore ids, avoid it",
			 rte_strerror(rte_errno));
}

void dpdk_obj_name(char *buf, size_t len, const char *what, uint16_t port, uint16_t qid)
{
	static _Atomic unsigned seq;

	snprintf(buf, len, "bmp_%s_%u_%u_%u", what, port, qid, atomic_fetch_add(&seq, 1));
}
