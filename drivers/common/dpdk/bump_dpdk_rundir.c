/* SPDX-License-Identifier: MIT */
/*
 * bump_dpdk_rundir.c - removing EAL's runtime directory (bump_dpdk_rundir.h).
 */
#include "bump_dpdk_rundir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

int bump_dpdk_rundir_remove(const char *prefix, char *err, size_t errlen)
{
	const char *dir = rte_eal_get_runtime_dir();
	const char *base = dir ? strrchr(dir, '/') : NULL;
	struct dirent *de;
	int ret = 0;
	DIR *d;

	if (!prefix || !prefix[0] || !base || strcmp(base + 1, prefix))
		return 0;
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		ret = -errno;
		snprintf(err, errlen, "cannot open EAL's runtime directory %s: %s", dir,
			 strerror(errno));
		return ret;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    unlinkat(dirfd(d), de->d_name, 0) && !ret) {
			ret = -errno;
			snprintf(err, errlen, "cannot remove %s/%s: %s", dir, de->d_name,
				 strerror(errno));
		}
	closedir(d);
	if (rmdir(dir) && !ret) {
		ret = -errno;
		snprintf(err, errlen, "cannot remove EAL's runtime directory %s: %s", dir,
			 strerror(errno));
	}
	return ret;
}
