/* SPDX-License-Identifier: MIT */
/*
 * bump_devargs.c - the key=value devargs parser every driver uses.
 */
#include "bump_devargs.h"
#include "bump_common.h"
#include "bump_log.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int bump_devargs_parse(const char *drv, const char *args, const char *bare_key,
		       const char *usage, bump_devargs_fn fn, void *arg)
{
	char buf[BUMP_DEVARGS_MAX + 1], *save = NULL;
	const char *seen[32];  /* keys so far: one given twice is a mistake, not a last-wins */
	unsigned nseen = 0;

	if (!args || strlen(args) >= sizeof(buf))
		return bump_error(EINVAL, "%s: devargs missing or longer than %d characters (%s)",
				  drv, BUMP_DEVARGS_MAX, usage);
	strcpy(buf, args);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		const char *key = eq || !bare_key ? tok : bare_key;
		const char *val = eq ? eq + 1 : bare_key ? tok : NULL;
		int ret;

		if (eq)
			*eq = '\0';
		for (unsigned i = 0; i < nseen; i++)
			if (!strcmp(seen[i], key))
				return bump_error(EINVAL, "%s: '%s' is given twice%s%s%s; give each key "
						  "once (%s)", drv, key,
						  bare_key ? " (a bare value counts as " : "",
						  bare_key ? bare_key : "", bare_key ? "=)" : "",
						  usage);
		if (nseen < BUMP_ARRAY_SIZE(seen))
			seen[nseen++] = key;
		ret = fn(arg, key, val);
		if (ret)
			return ret;
	}
	return 0;
}

int bump_devargs_unknown(const char *drv, const char *key, const char *usage)
{
	return bump_error(EINVAL, "%s: unknown devargs key '%s' (%s)", drv, key, usage);
}

int bump_devargs_uint(const char *drv, const char *key, const char *val, uint64_t lo,
		      uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = val ? strtoull(val, &end, 0) : 0;
	/* strtoull would take leading blanks and a sign: the value is digits only. */
	if (!val || !isdigit((unsigned char)val[0]) || *end || errno || v < lo || v > hi)
		return bump_error(EINVAL, "%s: %s=%s: expected a number from %llu to %llu", drv, key,
				  val ? val : "", (unsigned long long)lo, (unsigned long long)hi);
	*out = v;
	return 0;
}

int bump_devargs_mac(const char *drv, const char *key, const char *val, uint8_t mac[6])
{
	struct ether_addr ea;

	/*
	 * ether_aton_r stops after the sixth byte and takes up to two digits
	 * per byte: the value must also read back the same, so that
	 * "...:01x" or "...:100" is refused rather than cut short.
	 */
	if (val && ether_aton_r(val, &ea)) {
		const uint8_t *b = ea.ether_addr_octet;
		char two[3 * 6], one[3 * 6];

		snprintf(two, sizeof(two), "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3],
			 b[4], b[5]);
		snprintf(one, sizeof(one), "%x:%x:%x:%x:%x:%x", b[0], b[1], b[2], b[3], b[4], b[5]);
		if (!strcasecmp(val, two) || !strcasecmp(val, one)) {
			memcpy(mac, b, 6);
			return 0;
		}
	}
	return bump_error(EINVAL, "%s: %s=%s: expected a MAC address, six hex bytes such as "
			  "02:00:00:00:00:01", drv, key, val ? val : "");
}
