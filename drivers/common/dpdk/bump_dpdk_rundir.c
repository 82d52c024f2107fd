/* SPDX-License-Identifier: MIT */
/*
 * bump_dpdk_rundir.c - removing EAL's runtime directory (bump_dpdk_rundir.h).
 */
#include "bump_dpdk_rundir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

/* Remove the files in @dir (EAL makes no subdirectories) and @dir itself. */
static int rundir_rmtree(const char *dir, char *err, size_t errlen)
{
	struct dirent *de;
	int ret = 0;
	DIR *d;

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
	if (rmdir(dir) && errno != ENOENT && !ret) {
		ret = -errno;
		snprintf(err, errlen, "cannot remove EAL's runtime directory %s: %s", dir,
			 strerror(errno));
	}
	return ret;
}

int bump_dpdk_rundir_remove(const char *prefix, char *err, size_t errlen)
{
	const char *dir = rte_eal_get_runtime_dir();
	const char *base = dir ? strrchr(dir, '/') : NULL;

	if (!prefix || !prefix[0] || !base || strcmp(base + 1, prefix))
		return 0;
	return rundir_rmtree(dir, err, errlen);
}

/*
 * Is <dir>/config write-locked?  A primary process holds that lock for its
 * life (EAL's rte_config_init), also where its pid is not visible to us
 * (another pid namespace sharing /var/run/dpdk).
 */
static bool rundir_config_locked(int dfd)
{
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd = openat(dfd, "config", O_RDONLY | O_CLOEXEC);
	bool locked;

	if (fd < 0)
		return false;
	locked = fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type != F_UNLCK;
	close(fd);
	return locked;
}

int bump_dpdk_rundir_sweep(const char *stem, char *err, size_t errlen)
{
	const char *own = rte_eal_get_runtime_dir();
	const char *slash = own ? strrchr(own, '/') : NULL;
	size_t stem_len = strlen(stem);
	char parent[PATH_MAX], path[PATH_MAX + 256];
	struct dirent *de;
	int removed = 0;
	DIR *d;

	if (!slash || (size_t)(slash - own) >= sizeof(parent))
		return 0;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - own), own);
	d = opendir(parent);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		const char *digits = de->d_name + stem_len + 1;
		char *end;
		long pid;
		int sub;

		if (strncmp(de->d_name, stem, stem_len) || de->d_name[stem_len] != '-' ||
		    !isdigit((unsigned char)*digits))
			continue;
		errno = 0;
		pid = strtol(digits, &end, 10);
		/* Only "<stem>-<pid>" of a process that is gone: kill(0) says ESRCH. */
		if (*end || errno || pid <= 0 || pid > INT_MAX || pid == getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (rundir_config_locked(sub)) {
			close(sub);
			continue;
		}
		close(sub);
		snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
		if (rundir_rmtree(path, err, errlen)) {
			closedir(d);
			return -EIO;
		}
		removed++;
	}
	closedir(d);
	return removed;
}
