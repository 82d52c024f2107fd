/* SPDX-License-Identifier: MIT */
/*
 * bump_tel_server.c - the telemetry socket: DPDK telemetry's v2 protocol on
 * a SOCK_SEQPACKET unix socket, one per process (bump_telemetry.h says
 * where).  On connect the server sends {"version","pid","max_output_len"};
 * each request is one message "/command[,params]", each reply one message
 * {"/command": data}, null for an unknown command or bad parameters.  "/"
 * lists the commands, "/info" repeats the greeting, "/help,/cmd" explains.
 *
 * One thread of its own serves every client from one poll(): it is started
 * with the process's first pool (lib/bump's created hook), never touches the
 * data path, and is stopped, its socket removed, at exit (a destructor, so
 * a dlopen()ed copy, as in the DPDK plugin, stops too).
 */
#include "bump_telemetry.h"
#include "bump_priv.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define TEL_CLIENTS_MAX 8        /* DPDK allows 10; a client past that is closed at once */
#define TEL_REQUEST_MAX 1024     /* DPDK reads requests into 1024 bytes too */
#define TEL_SOCKET_NAME "dpdk_telemetry.v2"

static pthread_mutex_t tel_lock = PTHREAD_MUTEX_INITIALIZER;  /* start and stop */
static bool tel_running;
static atomic_bool tel_disabled;   /* bump_telemetry_disable() or BUMP_TELEMETRY=0 */
static atomic_bool tel_warned;     /* one warning when the socket cannot start */
static pthread_t tel_thread;
static int tel_listen_fd = -1, tel_stop_fd = -1;
static char tel_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static char tel_pid_dir[sizeof(tel_path)];
static char *tel_out;              /* the reply buffer, BUMP_TEL_OUTPUT_MAX bytes */

int bump_telemetry_dir(char *buf, size_t len)
{
	const char *dir = getenv("BUMP_RUNTIME_DIR"), *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (dir && dir[0])
		n = snprintf(buf, len, "%s/dpdk", dir);
	else if (geteuid() == 0)
		n = snprintf(buf, len, "/var/run/bump/dpdk");
	else if (xdg && xdg[0])
		n = snprintf(buf, len, "%s/bump/dpdk", xdg);
	else
		n = snprintf(buf, len, "/tmp/bump-%u/dpdk", (unsigned)geteuid());
	if (n < 0 || (size_t)n >= len)
		return bump_error(ENAMETOOLONG, "telemetry: the runtime directory is too long for a "
				  "socket path; set BUMP_RUNTIME_DIR to a shorter one");
	return 0;
}

/* mkdir -p @path (mode 0700 for the last part, 0755 above: bump-stat of other users may list). */
static int tel_mkdirs(char *path)
{
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(path, c ? 0755 : 0700) < 0 && errno != EEXIST) {
			int err = errno;

			*p = c;
			return bump_error(err, "telemetry: mkdir %s: %s (set BUMP_RUNTIME_DIR to a "
					  "writable directory, or BUMP_TELEMETRY=0 to go without)",
					  path, strerror(err));
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/* Remove the socket directories of processes that died without removing theirs. */
static void tel_clean_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0 || pid == getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/" TEL_SOCKET_NAME, dir, e->d_name) <
		    (int)sizeof(path))
			unlink(path);
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path))
			rmdir(path);
	}
	closedir(d);
}

/* ---- Requests ------------------------------------------------------------ */

static int tel_greeting(struct bump_tel *t)
{
	bump_tel_dict(t, NULL);
	bump_tel_str(t, "version", bump_version());
	bump_tel_int(t, "pid", (int)getpid());
	bump_tel_int(t, "max_output_len", BUMP_TEL_OUTPUT_MAX);
	bump_tel_end(t);
	return t->err;
}

static int tel_list(struct bump_tel *t)
{
	static const char *const builtin[] = { "/", "/help", "/info" };
	unsigned n;
	const struct bump_tel_cmd *c = bump_tel_cmds(&n);

	bump_tel_array(t, NULL, BUMP_TEL_STR);
	for (unsigned i = 0; i < BUMP_ARRAY_SIZE(builtin); i++)
		bump_tel_str(t, NULL, builtin[i]);
	for (unsigned i = 0; i < n; i++)
		bump_tel_str(t, NULL, c[i].name);
	bump_tel_end(t);
	return t->err;
}

static int tel_help(const char *params, struct bump_tel *t)
{
	unsigned n;
	const struct bump_tel_cmd *c = bump_tel_cmds(&n);
	const char *help = NULL;

	if (!params)
		help = "Returns help text for a command. Parameters: string command";
	else if (!strcmp(params, "/"))
		help = "Returns list of available commands, Takes no parameters";
	else if (!strcmp(params, "/info"))
		help = "Returns bump's telemetry information. Takes no parameters";
	for (unsigned i = 0; !help && i < n; i++)
		if (!strcmp(params, c[i].name))
			help = c[i].help;
	if (!help)
		return -ENOENT;
	bump_tel_dict(t, NULL);
	bump_tel_str(t, params ? params : "/help", help);
	bump_tel_end(t);
	return t->err;
}

/*
 * Answer one request into tel_out; returns the reply's length, and in
 * *@head where its data begins (what a null answer replaces).
 */
static size_t tel_answer(char *req, size_t *head_out)
{
	char *params = strchr(req, ',');
	char cmd[64];
	struct bump_tel_json j;
	struct bump_tel t;
	size_t head, n;
	int ret;

	if (params)
		*params++ = '\0';
	/*
	 * {"<cmd>":<data>}.  DPDK echoes the command raw, cut at 56 bytes; here a
	 * byte a key may not hold becomes '_', so the reply stays valid JSON.
	 */
	for (n = 0; req[n] && n < 56; n++)
		cmd[n] = (isalnum((unsigned char)req[n]) || strchr("/_-.", req[n])) ? req[n] : '_';
	cmd[n] = '\0';
	head = (size_t)snprintf(tel_out, BUMP_TEL_OUTPUT_MAX, "{\"%s\":", cmd);
	bump_tel_json_init(&t, &j, tel_out + head, BUMP_TEL_OUTPUT_MAX - head - 1);
	if (!strcmp(req, "/"))
		ret = tel_list(&t);
	else if (!strcmp(req, "/info"))
		ret = tel_greeting(&t);
	else if (!strcmp(req, "/help"))
		ret = tel_help(params, &t);
	else
		ret = bump_tel_call(req, params, &t);
	if (ret || !j.done) {
		/* Unknown, bad parameters, or longer than max_output_len: null, as DPDK answers. */
		memcpy(tel_out + head, "null", 5);
		j.used = 4;
	}
	memcpy(tel_out + head + j.used, "}", 2);
	*head_out = head;
	return head + j.used + 1;
}

/* ---- The thread ---------------------------------------------------------- */

/* Never blocks: a client that does not read its replies loses them.  0 or an errno. */
static int tel_send(int fd, const char *msg, size_t len)
{
	return send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 ? errno : 0;
}

static void tel_accept(struct pollfd *fds, unsigned *nfds)
{
	int fd = accept4(tel_listen_fd, NULL, NULL, SOCK_CLOEXEC);
	struct bump_tel_json j;
	struct bump_tel t;

	if (fd < 0)
		return;
	if (*nfds == 2 + TEL_CLIENTS_MAX) {
		close(fd);
		return;
	}
	/* A reply is one message: room for the longest (the kernel caps it at wmem_max). */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ 2 * BUMP_TEL_OUTPUT_MAX }, sizeof(int)) < 0)
		bump_log(BUMP_LOG_DEBUG, "telemetry: SO_SNDBUF: %s", strerror(errno));
	bump_tel_json_init(&t, &j, tel_out, BUMP_TEL_OUTPUT_MAX);
	if (tel_greeting(&t) == 0)
		tel_send(fd, tel_out, j.used);
	fds[*nfds].fd = fd;
	fds[*nfds].events = POLLIN;
	fds[*nfds].revents = 0;
	++*nfds;
}

/* One request from client @fd; false when the client is gone. */
static bool tel_serve(int fd)
{
	char req[TEL_REQUEST_MAX];
	ssize_t n = recv(fd, req, sizeof(req) - 1, MSG_DONTWAIT);
	size_t len, head;

	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return false;
	req[n] = '\0';
	len = tel_answer(req, &head);
	/* Longer than the socket's buffer allows one message: null, as a reply too long. */
	if (tel_send(fd, tel_out, len) == EMSGSIZE) {
		memcpy(tel_out + head, "null}", 6);
		tel_send(fd, tel_out, head + 5);
	}
	return true;
}

static void *tel_main(void *arg)
{
	struct pollfd fds[2 + TEL_CLIENTS_MAX];
	unsigned nfds = 2;

	(void)arg;
	fds[0] = (struct pollfd){ .fd = tel_stop_fd, .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = tel_listen_fd, .events = POLLIN };
	for (;;) {
		if (poll(fds, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			bump_log(BUMP_LOG_WARN, "telemetry: poll: %s: the socket stops answering",
				 strerror(errno));
			break;
		}
		if (fds[0].revents)
			break;
		for (unsigned i = 2; i < nfds; i++) {
			if (!fds[i].revents || tel_serve(fds[i].fd))
				continue;
			close(fds[i].fd);
			fds[i--] = fds[--nfds];
		}
		if (fds[1].revents)
			tel_accept(fds, &nfds);
	}
	for (unsigned i = 2; i < nfds; i++)
		close(fds[i].fd);
	return NULL;
}

/* ---- Start and stop ------------------------------------------------------ */

static void tel_stop_locked(void)
{
	if (!tel_running)
		return;
	if (eventfd_write(tel_stop_fd, 1) < 0)
		bump_log(BUMP_LOG_WARN, "telemetry: eventfd_write: %s", strerror(errno));
	pthread_join(tel_thread, NULL);
	close(tel_listen_fd);
	close(tel_stop_fd);
	tel_listen_fd = tel_stop_fd = -1;
	unlink(tel_path);
	rmdir(tel_pid_dir);
	tel_path[0] = tel_pid_dir[0] = '\0';
	free(tel_out);
	tel_out = NULL;
	tel_running = false;
}

static int tel_bind(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", tel_path) >= (int)sizeof(sun.sun_path))
		return bump_error(ENAMETOOLONG, "telemetry: socket path %s is too long", tel_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return bump_error(errno, "telemetry: socket(AF_UNIX, SOCK_SEQPACKET): %s",
				  strerror(errno));
	/* A socket left by an earlier process with our pid (or an earlier start): ours now. */
	unlink(tel_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, TEL_CLIENTS_MAX) < 0) {
		int err = errno;

		close(fd);
		return bump_error(err, "telemetry: bind/listen %s: %s (set BUMP_RUNTIME_DIR to a "
				  "writable directory, or BUMP_TELEMETRY=0 to go without)", tel_path,
				  strerror(err));
	}
	return fd;
}

static int tel_start_locked(void)
{
	char dir[sizeof(tel_path)];
	pthread_attr_t attr;
	sigset_t all, old;
	cpu_set_t cpus;
	int ret;

	if (tel_running)
		return 0;
	ret = bump_telemetry_dir(dir, sizeof(dir));
	if (!ret && (size_t)snprintf(tel_pid_dir, sizeof(tel_pid_dir), "%s/%d", dir, (int)getpid()) >=
	    sizeof(tel_pid_dir) - sizeof(TEL_SOCKET_NAME) - 1)
		ret = bump_error(ENAMETOOLONG, "telemetry: %s is too long for a socket path; set "
				 "BUMP_RUNTIME_DIR to a shorter directory", dir);
	if (!ret)
		ret = tel_mkdirs(tel_pid_dir);
	if (ret)
		return ret;
	tel_clean_stale(dir);
	if (snprintf(tel_path, sizeof(tel_path), "%s/" TEL_SOCKET_NAME, tel_pid_dir) >=
	    (int)sizeof(tel_path))
		return bump_error(ENAMETOOLONG, "telemetry: %s is too long", tel_pid_dir);
	tel_out = malloc(BUMP_TEL_OUTPUT_MAX);
	if (!tel_out)
		return bump_error(ENOMEM, "telemetry: out of memory");
	tel_listen_fd = tel_bind();
	tel_stop_fd = eventfd(0, EFD_CLOEXEC);
	if (tel_listen_fd < 0 || tel_stop_fd < 0) {
		ret = tel_listen_fd < 0 ? tel_listen_fd :
		      bump_error(errno, "telemetry: eventfd: %s", strerror(errno));
		goto err;
	}
	/*
	 * The first pool is often created on a pinned forwarding thread: the
	 * server takes the main thread's CPUs instead, as DPDK puts its control
	 * threads apart from the lcores, and no signal (they stay with the
	 * threads the program chose).
	 */
	pthread_attr_init(&attr);
	if (sched_getaffinity(getpid(), sizeof(cpus), &cpus) == 0)
		pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&tel_thread, &attr, tel_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (ret) {
		ret = bump_error(ret, "telemetry: pthread_create: %s", strerror(ret));
		goto err;
	}
	pthread_setname_np(tel_thread, "bump-telemetry");
	tel_running = true;
	return 0;
err:
	if (tel_listen_fd >= 0)
		close(tel_listen_fd);
	if (tel_stop_fd >= 0)
		close(tel_stop_fd);
	tel_listen_fd = tel_stop_fd = -1;
	unlink(tel_path);
	rmdir(tel_pid_dir);
	free(tel_out);
	tel_out = NULL;
	return ret;
}

int bump_telemetry_start(void)
{
	int ret;

	pthread_mutex_lock(&tel_lock);
	atomic_store(&tel_disabled, false);
	ret = tel_start_locked();
	pthread_mutex_unlock(&tel_lock);
	return ret;
}

void bump_telemetry_disable(void)
{
	pthread_mutex_lock(&tel_lock);
	atomic_store(&tel_disabled, true);
	tel_stop_locked();
	pthread_mutex_unlock(&tel_lock);
}

const char *bump_telemetry_path(void)
{
	const char *p;

	pthread_mutex_lock(&tel_lock);
	p = tel_running ? tel_path : NULL;
	pthread_mutex_unlock(&tel_lock);
	return p;
}

/* lib/bump's created hook: the first pool starts the socket, unless BUMP_TELEMETRY=0. */
static void tel_autostart(void)
{
	static atomic_bool tried;
	const char *env;
	int ret;

	if (atomic_load_explicit(&tried, memory_order_relaxed) || atomic_exchange(&tried, true))
		return;
	env = getenv("BUMP_TELEMETRY");
	if (env && !strcmp(env, "0"))
		return;
	pthread_mutex_lock(&tel_lock);
	ret = atomic_load(&tel_disabled) ? 0 : tel_start_locked();
	pthread_mutex_unlock(&tel_lock);
	if (ret && !atomic_exchange(&tel_warned, true))
		bump_log(BUMP_LOG_WARN, "telemetry: no socket for bump-stat in this process (%s)",
			 bump_last_error());
}

/* A child of fork() has no telemetry thread: it starts its own with its next pool. */
static void tel_atfork_child(void)
{
	if (tel_listen_fd >= 0)
		close(tel_listen_fd);
	if (tel_stop_fd >= 0)
		close(tel_stop_fd);
	tel_listen_fd = tel_stop_fd = -1;
	tel_path[0] = tel_pid_dir[0] = '\0';
	free(tel_out);
	tel_out = NULL;
	tel_running = false;
	pthread_mutex_init(&tel_lock, NULL);
}

__attribute__((constructor)) static void tel_init(void)
{
	pthread_atfork(NULL, NULL, tel_atfork_child);
	bump_registry_set_created_hook(tel_autostart);
}

__attribute__((destructor)) static void tel_fini(void)
{
	pthread_mutex_lock(&tel_lock);
	tel_stop_locked();
	pthread_mutex_unlock(&tel_lock);
}
