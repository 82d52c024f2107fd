/* SPDX-License-Identifier: MIT */
/*
 * test_telemetry.c - lib/telemetry: the JSON builder keeps to the shapes
 * DPDK's rte_tel_data carries, and the socket speaks DPDK telemetry's v2
 * protocol about this process's pools and regions (suite core).
 *
 *   test_telemetry           the builder, then the socket of a process with a pool
 *   test_telemetry optout    BUMP_TELEMETRY=0 is set: no socket with the first pool
 */
#include "bump_fixture.h"
#include "bump_telemetry.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static char json[4096];

/* A builder writing JSON into json[] (@len bytes of it). */
static struct bump_tel json_begin(struct bump_tel_json *j, size_t len)
{
	struct bump_tel t;

	bump_tel_json_init(&t, j, json, len);
	return t;
}

static void test_json_shapes(void)
{
	struct bump_tel_json j;
	struct bump_tel t = json_begin(&j, sizeof(json));

	bump_tel_dict(&t, NULL);
	bump_tel_int(&t, "n", -3);
	bump_tel_u64(&t, "big", UINT64_MAX);
	bump_tel_str(&t, "s", "a\"b\\c\n");
	bump_tel_dict(&t, "in/ner_1");
	bump_tel_end(&t);
	bump_tel_array(&t, "arr", BUMP_TEL_U64);
	bump_tel_u64(&t, NULL, 1);
	bump_tel_u64(&t, NULL, 2);
	bump_tel_end(&t);
	bump_tel_end(&t);
	CHECK_EQ(t.err, 0);
	CHECK(j.done);
	CHECK(!strcmp(json, "{\"n\":-3,\"big\":18446744073709551615,\"s\":\"a\\\"b\\\\c\\u000a\","
		      "\"in/ner_1\":{},\"arr\":[1,2]}"));
	CHECK_EQ(j.used, strlen(json));
}

/* What DPDK 22.11 refuses, refused here too: the same producer must work in both. */
static void test_json_dpdk_rules(void)
{
	struct bump_tel_json j;
	struct bump_tel t = json_begin(&j, sizeof(json));

	bump_tel_dict(&t, NULL);
	bump_tel_int(&t, "bad key", 1);
	CHECK_EQ(t.err, -EINVAL);
	CHECK_ERROR_SAYS("A-Za-z0-9_/");

	t = json_begin(&j, sizeof(json));
	bump_tel_array(&t, NULL, BUMP_TEL_INT);
	bump_tel_dict(&t, NULL);  /* a dict inside an array */
	CHECK_EQ(t.err, -EINVAL);

	t = json_begin(&j, sizeof(json));
	bump_tel_array(&t, NULL, BUMP_TEL_INT);
	bump_tel_str(&t, NULL, "x");  /* not the array's kind */
	CHECK_EQ(t.err, -EINVAL);

	t = json_begin(&j, sizeof(json));
	bump_tel_dict(&t, NULL);
	bump_tel_int(&t, NULL, 1);  /* a dict value without a key */
	CHECK_EQ(t.err, -EINVAL);

	t = json_begin(&j, sizeof(json));
	bump_tel_array(&t, NULL, BUMP_TEL_DICT);
	CHECK_EQ(t.err, -EINVAL);

	/* DPDK's entry limits: 512 in an array. */
	t = json_begin(&j, sizeof(json));
	bump_tel_array(&t, NULL, BUMP_TEL_INT);
	for (int i = 0; i < BUMP_TEL_ARRAY_MAX; i++)
		bump_tel_int(&t, NULL, 0);
	CHECK_EQ(t.err, 0);
	bump_tel_int(&t, NULL, 0);
	CHECK_EQ(t.err, -ENOSPC);
}

static void test_json_limits(void)
{
	char big[300];
	struct bump_tel_json j;
	struct bump_tel t = json_begin(&j, 16);

	/* Overflow: -ENOSPC, and what was written stays NUL-terminated within the buffer. */
	bump_tel_dict(&t, NULL);
	bump_tel_str(&t, "key", "a string longer than sixteen bytes");
	CHECK_EQ(t.err, -ENOSPC);
	CHECK(strlen(json) < 16);

	/* Strings are cut at 127 bytes, as DPDK cuts them. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	t = json_begin(&j, sizeof(json));
	bump_tel_array(&t, NULL, BUMP_TEL_STR);
	bump_tel_str(&t, NULL, big);
	bump_tel_end(&t);
	CHECK_EQ(t.err, 0);
	CHECK_EQ(strlen(json), 2 + 2 + BUMP_TEL_STR_MAX - 1);
}

/* Names and help texts DPDK's rte_telemetry_register_cmd() accepts (the plugin registers them). */
static void test_cmd_table(void)
{
	unsigned n;
	const struct bump_tel_cmd *c = bump_tel_cmds(&n);

	CHECK(n >= 8);
	for (unsigned i = 0; i < n; i++) {
		CHECK(c[i].name[0] == '/' && strlen(c[i].name) < 56);
		CHECK(strspn(c[i].name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_/") ==
		      strlen(c[i].name));
		CHECK(strlen(c[i].help) < BUMP_TEL_STR_MAX);
	}
}

/* ---- The socket ------------------------------------------------------------ */

static char reply[BUMP_TEL_OUTPUT_MAX];

static int tel_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request, its reply into reply[] (NUL-terminated). */
static const char *tel_ask(int fd, const char *req)
{
	ssize_t n;

	CHECK_EQ(send(fd, req, strlen(req), 0), (long)strlen(req));
	n = recv(fd, reply, sizeof(reply) - 1, 0);
	CHECK(n > 0);
	reply[n > 0 ? n : 0] = '\0';
	return reply;
}

static char rundir[64];

static void test_socket(void)
{
	struct fixture f;
	struct bump_pool *pool;
	char want[256], stale[128], sock[128];
	void *bufs[10];
	const char *path;
	struct stat st;
	pid_t dead;
	int fd;

	/* A directory left by a process that died: the server removes it. */
	dead = fork();
	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	snprintf(stale, sizeof(stale), "%s/dpdk/%d", rundir, (int)dead);
	CHECK(mkdir(rundir, 0700) == 0 || errno == EEXIST);
	snprintf(want, sizeof(want), "%s/dpdk", rundir);
	CHECK_EQ(mkdir(want, 0700), 0);
	CHECK_EQ(mkdir(stale, 0700), 0);

	CHECK(bump_telemetry_path() == NULL);
	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "tel-pool", 0);
	if (!pool)
		return;
	/* The first pool started it, under BUMP_RUNTIME_DIR, in a directory named by our pid. */
	path = bump_telemetry_path();
	CHECK(path != NULL);
	if (!path)
		return;
	snprintf(want, sizeof(want), "%s/dpdk/%d/dpdk_telemetry.v2", rundir, (int)getpid());
	CHECK(!strcmp(path, want));
	snprintf(sock, sizeof(sock), "%s", path);
	CHECK(stat(stale, &st) < 0 && errno == ENOENT);

	for (unsigned i = 0; i < BUMP_ARRAY_SIZE(bufs); i++)
		bufs[i] = bump_pool_alloc(pool);

	fd = tel_connect(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	/* The greeting, as DPDK sends it. */
	CHECK(recv(fd, reply, sizeof(reply) - 1, 0) > 0);
	snprintf(want, sizeof(want), "{\"version\":\"%s\",\"pid\":%d,\"max_output_len\":%d}",
		 bump_version(), (int)getpid(), BUMP_TEL_OUTPUT_MAX);
	CHECK(!strcmp(reply, want));

	CHECK(strstr(tel_ask(fd, "/"), "{\"/\":[\"/\",\"/help\",\"/info\",\"/bump/info\""));
	CHECK(strstr(reply, "\"/bump/page_pool/stats_get\""));
	CHECK(!strncmp(tel_ask(fd, "/info"), "{\"/info\":{\"version\":", 19));
	CHECK(strstr(tel_ask(fd, "/help,/bump/page_pool/list"), "{\"/help\":{\"/bump/page_pool/list\":\""));
	CHECK(!strcmp(tel_ask(fd, "/help,/nope"), "{\"/help\":null}"));
	CHECK(!strcmp(tel_ask(fd, "/nope"), "{\"/nope\":null}"));
	CHECK(!strcmp(tel_ask(fd, "/x\"y"), "{\"/x_y\":null}"));

	snprintf(want, sizeof(want), "{\"/bump/page_pool/list\":[%u]}", bump_pool_id(pool));
	CHECK(!strcmp(tel_ask(fd, "/bump/page_pool/list"), want));
	snprintf(want, sizeof(want), "/bump/page_pool/stats_get,%u", bump_pool_id(pool));
	tel_ask(fd, want);
	CHECK(strstr(reply, "\"name\":\"tel-pool\""));
	CHECK(strstr(reply, "\"alloc_slow\":64,"));  /* one refill batch from the arena */
	CHECK(strstr(reply, "\"alloc_fast\":10,"));
	CHECK(strstr(reply, "\"inflight\":10,"));
	CHECK(strstr(reply, "\"inflight_mem\":40960,"));
	snprintf(want, sizeof(want), "/bump/page_pool/get,%u", bump_pool_id(pool));
	tel_ask(fd, want);
	CHECK(strstr(reply, "\"region\":{\"name\":\"test\",\"len\":262144,\"page_size\":4096,"));
	CHECK(strstr(reply, "\"detach_time_ns\":0,"));
	/* Every pool, by id; bad and unknown ids get null. */
	snprintf(want, sizeof(want), "{\"/bump/page_pool/get\":{\"%u\":{\"id\":%u,", bump_pool_id(pool),
		 bump_pool_id(pool));
	CHECK(!strncmp(tel_ask(fd, "/bump/page_pool/get"), want, strlen(want)));
	CHECK(!strcmp(tel_ask(fd, "/bump/page_pool/get,abc"), "{\"/bump/page_pool/get\":null}"));
	CHECK(!strcmp(tel_ask(fd, "/bump/page_pool/stats_get,65535"),
		      "{\"/bump/page_pool/stats_get\":null}"));
	CHECK(strstr(tel_ask(fd, "/bump/mem/regions"), "\"0\":{\"name\":\"test\""));
	CHECK(!strcmp(tel_ask(fd, "/bump/port/list"), "{\"/bump/port/list\":[]}"));
	CHECK(!strcmp(tel_ask(fd, "/bump/port/get,0"), "{\"/bump/port/get\":null}"));
	CHECK(!strcmp(tel_ask(fd, "/bump/port/stats"), "{\"/bump/port/stats\":{}}"));
	CHECK(strstr(tel_ask(fd, "/bump/info"), "\"pools\":1,\"ports\":0,"));

	/* Buffers put back: inflight goes to 0; detached pools keep their listing. */
	for (unsigned i = 0; i < BUMP_ARRAY_SIZE(bufs); i++)
		bump_pool_put(pool, bufs[i]);
	snprintf(want, sizeof(want), "/bump/page_pool/stats_get,%u", bump_pool_id(pool));
	CHECK(strstr(tel_ask(fd, want), "\"inflight\":0,"));
	CHECK(strstr(reply, "\"recycle_cached\":10,"));
	CHECK_EQ(bump_pool_destroy(pool), 0);
	CHECK(!strcmp(tel_ask(fd, "/bump/page_pool/list"), "{\"/bump/page_pool/list\":[]}"));
	close(fd);

	/* The API opt-out: the socket goes away at once. */
	bump_telemetry_disable();
	CHECK(bump_telemetry_path() == NULL);
	CHECK(stat(sock, &st) < 0 && errno == ENOENT);
	CHECK_EQ(tel_connect(sock), -1);
	CHECK(bump_telemetry_start() == 0);
	CHECK(bump_telemetry_path() != NULL);
	bump_telemetry_disable();
	fixture_down(&f);
}

/*
 * The reader against a running pool (suite concurrent, under TSan): the
 * owner allocates and puts, another thread puts what it is handed, pools
 * are created and destroyed, while the socket is asked for stats.
 */
struct churn {
	struct bump_pool *pool;
	struct fixture *f;
	atomic_bool stop;
	atomic_uint rounds;
};

static void *churn_owner(void *arg)
{
	struct churn *c = arg;
	void *bufs[32];

	bump_pool_set_owner(c->pool);
	while (!atomic_load(&c->stop)) {
		unsigned n = bump_pool_alloc_bulk(c->pool, bufs, 32);

		/* Half back through the owner's cache, half as another thread's put would. */
		bump_pool_put_bulk(c->pool, bufs, n / 2);
		put_from_other_thread(bufs + n / 2, n - n / 2);
		/* A pool appears and goes: the registry lock the reader takes. */
		struct bump_pool *tmp = pool_new(c->f, "churn-tmp", 0);

		if (tmp)
			bump_pool_destroy(tmp);
		atomic_fetch_add(&c->rounds, 1);
	}
	return NULL;
}

static void test_concurrent_reader(void)
{
	struct fixture f;
	struct churn c = { .f = &f };
	pthread_t owner;
	const char *path;
	char req[64];
	int fd, asked = 0;

	fixture_up(&f, 1024);
	c.pool = pool_new(&f, "churn", 0);
	path = bump_telemetry_path();
	CHECK(c.pool && path);
	if (!c.pool || !path)
		return;
	fd = tel_connect(path);
	CHECK(fd >= 0);
	CHECK(recv(fd, reply, sizeof(reply) - 1, 0) > 0);
	CHECK_EQ(pthread_create(&owner, NULL, churn_owner, &c), 0);
	snprintf(req, sizeof(req), "/bump/page_pool/stats_get,%u", bump_pool_id(c.pool));
	while (atomic_load(&c.rounds) < 200 || asked < 200) {
		CHECK(strstr(tel_ask(fd, req), "\"name\":\"churn\""));
		CHECK(strstr(tel_ask(fd, "/bump/page_pool/get"), "\"churn\""));
		asked++;
	}
	atomic_store(&c.stop, true);
	pthread_join(owner, NULL);
	close(fd);
	bump_pool_set_owner(c.pool);
	CHECK_EQ(bump_pool_destroy(c.pool), 0);
	fixture_down(&f);
}

/*
 * More pools than one reply holds: the socket answers null to "every pool",
 * each pool still answers alone, and bump-stat (argv[2]) shows them all by
 * asking one at a time.
 */
static const char *bump_stat_exe;

static void test_long_reply(void)
{
	/* More than a dict's 256 entries, and ~600 bytes of stats each: over BUMP_TEL_OUTPUT_MAX. */
	enum { NPOOLS = 300 };
	static struct bump_pool *pools[NPOOLS];
	struct fixture f;
	static char all[1 << 20];
	char name[32], cmd[256];
	size_t n = 0;
	unsigned stats = 0;
	const char *path;
	FILE *out;
	int fd;

	fixture_up(&f, TEST_PAGES);
	for (unsigned i = 0; i < NPOOLS; i++) {
		snprintf(name, sizeof(name), "long-%u", i);
		pools[i] = pool_new(&f, name, 0);
	}
	path = bump_telemetry_path();
	CHECK(path != NULL);
	fd = path ? tel_connect(path) : -1;
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(recv(fd, reply, sizeof(reply) - 1, 0) > 0);
		CHECK(!strcmp(tel_ask(fd, "/bump/page_pool/stats_get"),
			      "{\"/bump/page_pool/stats_get\":null}"));
		snprintf(cmd, sizeof(cmd), "/bump/page_pool/stats_get,%u", bump_pool_id(pools[NPOOLS - 1]));
		CHECK(strstr(tel_ask(fd, cmd), "\"long-299\""));
		close(fd);
	}
	snprintf(cmd, sizeof(cmd), "%s --json --pid %d", bump_stat_exe, (int)getpid());
	out = popen(cmd, "r");
	CHECK(out != NULL);
	/* One line of JSON; count the pools' stats entries in it ("alloc_fast" once per pool). */
	while (out && n < sizeof(all) - 1 && !feof(out) && !ferror(out))
		n += fread(all + n, 1, sizeof(all) - 1 - n, out);
	all[n] = '\0';
	for (char *p = all; (p = strstr(p, "\"alloc_fast\"")); p++)
		stats++;
	CHECK(out && pclose(out) == 0);
	CHECK_EQ(stats, NPOOLS);
	for (unsigned i = 0; i < NPOOLS; i++)
		CHECK_EQ(bump_pool_destroy(pools[i]), 0);
	fixture_down(&f);
}

/* BUMP_TELEMETRY=0 (set by meson for this case): the first pool starts nothing. */
static void test_optout(void)
{
	struct fixture f;
	struct bump_pool *pool;
	char dir[128];
	struct stat st;

	fixture_up(&f, TEST_PAGES);
	pool = pool_new(&f, "quiet", 0);
	CHECK(bump_telemetry_path() == NULL);
	snprintf(dir, sizeof(dir), "%s/dpdk/%d", rundir, (int)getpid());
	CHECK(stat(dir, &st) < 0 && errno == ENOENT);
	CHECK_EQ(bump_pool_destroy(pool), 0);
	fixture_down(&f);
}

int main(int argc, char **argv)
{
	bool optout = argc > 1 && !strcmp(argv[1], "optout");
	bool concurrent = argc > 1 && !strcmp(argv[1], "concurrent");
	bool longreply = argc > 2 && !strcmp(argv[1], "long");

	snprintf(rundir, sizeof(rundir), "/tmp/bump-tel-test.%d", (int)getpid());
	setenv("BUMP_RUNTIME_DIR", rundir, 1);
	TEST_RUN(test_json_shapes);
	TEST_RUN(test_json_dpdk_rules);
	TEST_RUN(test_json_limits);
	TEST_RUN(test_cmd_table);
	if (longreply) {
		bump_stat_exe = argv[2];
		TEST_RUN(test_long_reply);
	} else if (concurrent) {
		TEST_RUN(test_concurrent_reader);
	} else if (optout) {
		const char *env = getenv("BUMP_TELEMETRY");

		CHECK(env && !strcmp(env, "0"));
		TEST_RUN(test_optout);
	} else {
		TEST_RUN(test_socket);
	}
	bump_telemetry_disable();  /* its directory goes: the test's can go too */
	rmdir((strcat(rundir, "/dpdk"), rundir));
	rundir[strlen(rundir) - 5] = '\0';
	rmdir(rundir);
	return test_exit();
}
