/* SPDX-License-Identifier: MIT */
/*
 * bump_dpdk_rundir.h - removing EAL's runtime directory at exit, and those
 * that killed processes left behind: shared by the DPDK port driver
 * (drivers/net/dpdk) and bump-bench's DPDK peers.
 *
 * EAL makes a runtime directory (/var/run/dpdk/<file-prefix> as root) and
 * never removes it, not even in rte_eal_cleanup().  A program that chose a
 * file prefix of its own removes the directory when it is done with EAL.
 */
#ifndef BUMP_DPDK_RUNDIR_H
#define BUMP_DPDK_RUNDIR_H

#include <stddef.h>

/*
 * Remove EAL's runtime directory and what EAL left in it (config, fbarrays,
 * mp_socket), only when its name is @prefix (a shared one, "rte", is never
 * touched).  EAL must have been initialised (rte_eal_cleanup() may have
 * run).  0 when removed or already gone; a negative errno with what failed
 * in @err otherwise.
 */
int bump_dpdk_rundir_remove(const char *prefix, char *err, size_t errlen);

/*
 * Remove the runtime directories "<stem>-<pid>" beside this process's own
 * whose process is gone (kill(pid, 0) fails with ESRCH) and whose EAL config
 * file nobody holds locked: what a program killed by SIGKILL, or crashed,
 * left behind, since its exit-time removal never ran.  EAL must be
 * initialised.  The number removed; a negative errno with what failed in
 * @err.
 */
int bump_dpdk_rundir_sweep(const char *stem, char *err, size_t errlen);

#endif /* BUMP_DPDK_RUNDIR_H */
