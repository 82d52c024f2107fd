/* SPDX-License-Identifier: MIT */
/*
 * bump_devargs.h - the "key=value,key=value" part of a port's devargs, for
 * drivers (what rte_kvargs is to DPDK's PMDs): one parser, so every driver
 * refuses the same mistakes with the same words.
 */
#ifndef BUMP_DEVARGS_H
#define BUMP_DEVARGS_H

#include "bump_api.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The longest devargs string a driver takes (after "<driver>:"). */
#define BUMP_DEVARGS_MAX 255

/*
 * Called once per comma-separated token, in order: @val is what follows
 * the first '=', or NULL for a bare token (unless the parse names a
 * bare_key).  Returns 0 or a negative errno via bump_error().
 */
typedef int (*bump_devargs_fn)(void *arg, const char *key, const char *val);

/*
 * Split @args on ',' and call @fn for each token.  A bare token is
 * @bare_key=token when @bare_key is not NULL (afxdp:veth0 is iface=veth0).
 * Refused, naming the driver @drv and ending with @usage: args longer than
 * BUMP_DEVARGS_MAX, and a key given twice (a mistake, not last-wins).
 * Empty tokens are skipped.
 */
BUMP_API int bump_devargs_parse(const char *drv, const char *args, const char *bare_key,
				const char *usage, bump_devargs_fn fn, void *arg);

/* "<drv>: unknown devargs key '<key>' (<usage>)": what @fn returns for a key it does not take. */
BUMP_API int bump_devargs_unknown(const char *drv, const char *key, const char *usage);

/*
 * @val as an unsigned number (decimal, 0x hex or 0 octal, all of it) in
 * [@lo, @hi]; otherwise "<drv>: <key>=<val>: expected a number from lo to hi".
 */
BUMP_API int bump_devargs_uint(const char *drv, const char *key, const char *val, uint64_t lo,
			       uint64_t hi, uint64_t *out);

/*
 * @val as a MAC address, six hex bytes separated by ':' (02:00:00:00:00:01,
 * or 2:0:0:0:0:1); otherwise "<drv>: <key>=<val>: expected ..." naming the form.
 */
BUMP_API int bump_devargs_mac(const char *drv, const char *key, const char *val, uint8_t mac[6]);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_DEVARGS_H */
