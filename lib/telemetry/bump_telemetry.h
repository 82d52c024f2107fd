/* SPDX-License-Identifier: MIT */
/*
 * bump_telemetry.h - live statistics from outside the process: pools,
 * ports and memory regions over a unix socket that speaks DPDK telemetry's
 * v2 protocol (doc/telemetry.md).
 *
 * Every process that creates a bump pool starts the socket with its first
 * pool: a thread of its own, blocked in poll(), which only reads counters
 * (relaxed loads; the data path takes no lock for it).  BUMP_TELEMETRY=0 in
 * the environment, or bump_telemetry_disable(), turns it off.  The socket is
 *   <dir>/dpdk/<pid>/dpdk_telemetry.v2
 * where <dir> is $BUMP_RUNTIME_DIR, else /var/run/bump for root, else
 * $XDG_RUNTIME_DIR/bump (or /tmp/bump-<uid>): bump-stat lists every process
 * there, and `RUNTIME_DIRECTORY=<dir> dpdk-telemetry.py -f <pid>` connects.
 *
 * The replies are built through a small builder (struct bump_tel): the same
 * producers write JSON for bump's socket (bump_tel_json_init) and fill
 * DPDK's struct rte_tel_data in the mempool plugin.  Its shapes are the
 * ones DPDK 22.11 can carry, and the JSON writer refuses any other: a dict
 * holds numbers, strings, dicts and arrays; an array holds numbers or
 * strings of one kind; keys are [A-Za-z0-9_/]; strings are cut at 127 bytes.
 */
#ifndef BUMP_TELEMETRY_H
#define BUMP_TELEMETRY_H

#include "bump_api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BUMP_TEL_STR_MAX 128     /* DPDK's RTE_TEL_MAX_STRING_LEN: strings and keys, with the NUL */
#define BUMP_TEL_DICT_MAX 256    /* entries in a dict (RTE_TEL_MAX_DICT_ENTRIES) */
#define BUMP_TEL_ARRAY_MAX 512   /* entries in an array (RTE_TEL_MAX_ARRAY_ENTRIES) */
#define BUMP_TEL_DEPTH_MAX 8
#define BUMP_TEL_OUTPUT_MAX (128 * 1024)  /* the socket's max_output_len */

enum bump_tel_kind {
	BUMP_TEL_INT = 0,   /* a signed 32-bit number (DPDK's int) */
	BUMP_TEL_U64 = 1,
	BUMP_TEL_STR = 2,
	BUMP_TEL_DICT = 3,
	BUMP_TEL_ARRAY = 4,
};

/* What a reply is written into.  Each returns 0 or a negative errno. */
struct bump_tel_ops {
	/*
	 * Open a dict or array: the reply itself (the first call, @key NULL), a
	 * dict's value (@key) or, never, an array's element.  @elem: an array's
	 * element kind (INT, U64 or STR).
	 */
	int (*open)(void *ctx, const char *key, enum bump_tel_kind kind, enum bump_tel_kind elem);
	int (*close)(void *ctx);
	/* A value: under @key in a dict, or (@key NULL) the next element of an array. */
	int (*add_int)(void *ctx, const char *key, int v);
	int (*add_u64)(void *ctx, const char *key, uint64_t v);
	int (*add_str)(void *ctx, const char *key, const char *v);
};

/* A reply being built; err keeps the first error, after which calls do nothing. */
struct bump_tel {
	const struct bump_tel_ops *ops;
	void *ctx;
	int err;
};

static inline void bump_tel_dict(struct bump_tel *t, const char *key)
{
	if (!t->err)
		t->err = t->ops->open(t->ctx, key, BUMP_TEL_DICT, BUMP_TEL_INT);
}

static inline void bump_tel_array(struct bump_tel *t, const char *key, enum bump_tel_kind elem)
{
	if (!t->err)
		t->err = t->ops->open(t->ctx, key, BUMP_TEL_ARRAY, elem);
}

static inline void bump_tel_end(struct bump_tel *t)
{
	if (!t->err)
		t->err = t->ops->close(t->ctx);
}

static inline void bump_tel_int(struct bump_tel *t, const char *key, int v)
{
	if (!t->err)
		t->err = t->ops->add_int(t->ctx, key, v);
}

static inline void bump_tel_u64(struct bump_tel *t, const char *key, uint64_t v)
{
	if (!t->err)
		t->err = t->ops->add_u64(t->ctx, key, v);
}

static inline void bump_tel_str(struct bump_tel *t, const char *key, const char *v)
{
	if (!t->err)
		t->err = t->ops->add_str(t->ctx, key, v);
}

/*
 * The JSON writer: bump_tel_json_init() points @t at @j, which writes into
 * @buf (@len bytes).  When the reply is complete, j->used bytes of @buf hold
 * it, NUL-terminated.  t->err: -ENOSPC when it did not fit, -EINVAL for a
 * shape DPDK could not carry (a message says which).
 */
struct bump_tel_json {
	char *buf;
	size_t len;
	size_t used;
	unsigned depth;
	bool done;                   /* the reply's container was closed */
	struct bump_tel_json_level {
		uint8_t kind, elem;  /* enum bump_tel_kind */
		uint16_t n;          /* entries so far */
	} lvl[BUMP_TEL_DEPTH_MAX];
};
BUMP_API void bump_tel_json_init(struct bump_tel *t, struct bump_tel_json *j, char *buf, size_t len);

/* ---- Commands ------------------------------------------------------------ */

/*
 * A command: @params is what followed the first ',' of the request (NULL:
 * none).  Returns 0, or a negative errno (the socket answers null, as
 * DPDK's does, for an unknown pool or port, or bad parameters).
 */
typedef int (*bump_tel_cmd_fn)(const char *params, struct bump_tel *t);

struct bump_tel_cmd {
	const char *name;  /* "/bump/page_pool/list", ... */
	bump_tel_cmd_fn fn;
	const char *help;
};

/* bump's commands (doc/telemetry.md), for a socket of bump's or DPDK's to register. */
BUMP_API const struct bump_tel_cmd *bump_tel_cmds(unsigned *n);
/* Run command @name into @t: its return, or -ENOENT for a command that does not exist. */
BUMP_API int bump_tel_call(const char *name, const char *params, struct bump_tel *t);

/* ---- The socket ---------------------------------------------------------- */

/*
 * Start the socket now (it starts by itself with the first pool unless
 * BUMP_TELEMETRY=0 or bump_telemetry_disable()).  0 (also when running
 * already), or a negative errno with a message saying what to do.
 */
BUMP_API int bump_telemetry_start(void);
/* Stop the socket (removing it) and do not start it again by itself. */
BUMP_API void bump_telemetry_disable(void);
/* The socket's path while it runs, else NULL. */
BUMP_API const char *bump_telemetry_path(void);
/* The directory of the per-process socket directories: <dir>/dpdk (see above). */
BUMP_API int bump_telemetry_dir(char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_TELEMETRY_H */
