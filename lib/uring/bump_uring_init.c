/* SPDX-License-Identifier: MIT */
/*
 * bump_uring_init.c - io_uring_queue_init() with errors that say why.
 *
 * io_uring can be missing (CONFIG_IO_URING=n: ENOSYS), switched off by the
 * kernel.io_uring_disabled sysctl (6.6: 1 allows only the io_uring_group,
 * 2 nobody: EPERM), or refused by a seccomp filter (container runtimes:
 * EPERM too).  The raw errno names none of these.
 */
#include "bump_uring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* kernel.io_uring_disabled, or -1 when the kernel has no such sysctl. */
static int bump_uring_disabled_sysctl(void)
{
	FILE *f = fopen("/proc/sys/kernel/io_uring_disabled", "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

int bump_uring_queue_init(unsigned entries, struct io_uring *ring, unsigned flags)
{
	int ret = io_uring_queue_init(entries, ring, flags);
	int disabled;

	if (ret == 0)
		return 0;
	switch (-ret) {
	case ENOSYS:
		return bump_error(ENOSYS, "io_uring: this kernel has no io_uring (built without "
				  "CONFIG_IO_URING): use a kernel with it, or another port "
				  "(afxdp:, or a plain socket application)");
	case EPERM:
		disabled = bump_uring_disabled_sysctl();
		if (disabled > 0)
			return bump_error(EPERM, "io_uring: disabled by sysctl "
					  "kernel.io_uring_disabled=%d (%s): run 'sysctl -w "
					  "kernel.io_uring_disabled=0' as root to allow it%s",
					  disabled, disabled == 1 ? "only members of "
					  "kernel.io_uring_group may create rings" :
					  "nobody may create rings", disabled == 1 ? ", or run as a "
					  "member of the group kernel.io_uring_group names" : "");
		return bump_error(EPERM, "io_uring: io_uring_setup was refused (EPERM) although "
				  "kernel.io_uring_disabled is 0: a seccomp filter (container "
				  "runtime) probably blocks it; allow io_uring_setup, "
				  "io_uring_enter and io_uring_register");
	case ENOMEM:
		return bump_error(ENOMEM, "io_uring: no memory for a ring of %u entries (kernels "
				  "before 5.12 charge rings to RLIMIT_MEMLOCK: raise 'ulimit -l')",
				  entries);
	default:
		return bump_error(-ret, "io_uring: io_uring_queue_init(%u): %s", entries,
				  strerror(-ret));
	}
}
