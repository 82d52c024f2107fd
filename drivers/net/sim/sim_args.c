/* SPDX-License-Identifier: MIT */
/*
 * sim_args.c - the devargs of a sim port: "key=value,key=value" after "sim:".
 * Every mistake is refused with the list of what is accepted.
 */
#include "sim_priv.h"
#include "bump_devargs.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_ARGS_HELP "mode=loopback|gen|sink, peer=<port id>, check=0|1, queues=1..16, thread=0|1, " \
		      "cpu=<n>, step=auto|manual, size=<bytes>, flows=<n>, rate=<frames/s>, " \
		      "mac=<aa:bb:cc:dd:ee:ff>"

static const char *const sim_mode_names[] = { "loopback", "gen", "sink" };

const char *sim_mode_name(enum sim_mode mode)
{
	return sim_mode_names[mode];
}

static int sim_arg_uint(const char *key, const char *val, uint64_t lo, uint64_t hi, uint64_t *out)
{
	return bump_devargs_uint("sim", key, val, lo, hi, out);
}

static int sim_arg_mac(const char *val, uint8_t mac[6])
{
	int ret = bump_devargs_mac("sim", "mac", val, mac);

	if (ret)
		return ret;
	if (mac[0] & 1)
		return bump_error(EINVAL, "sim: mac=%s is a multicast address: a port needs a "
				  "unicast one (first byte even, e.g. 02:...)", val);
	return 0;
}

static int sim_arg_one(void *arg, const char *key, const char *val)
{
	struct sim_conf *c = arg;
	uint64_t v = 0;
	int ret = 0;

	if (!val)
		return bump_error(EINVAL, "sim: '%s' is not key=value; sim ports take " SIM_ARGS_HELP,
				  key);
	if (!strcmp(key, "mode")) {
		for (unsigned m = 0; m < BUMP_ARRAY_SIZE(sim_mode_names); m++)
			if (!strcmp(val, sim_mode_names[m])) {
				c->mode = (enum sim_mode)m;
				return 0;
			}
		return bump_error(EINVAL, "sim: mode=%s: use mode=loopback, mode=gen or mode=sink",
				  val);
	}
	if (!strcmp(key, "step")) {
		if (strcmp(val, "auto") && strcmp(val, "manual"))
			return bump_error(EINVAL, "sim: step=%s: use step=auto (bursts step the "
					  "device) or step=manual (only bump_sim_device_step)", val);
		c->manual = !strcmp(val, "manual");
		return 0;
	}
	if (!strcmp(key, "mac"))
		return sim_arg_mac(val, c->mac);
	if (!strcmp(key, "peer")) {
		ret = sim_arg_uint(key, val, 0, BUMP_PORT_MAX - 1, &v);
		c->peer = (int)v;
	} else if (!strcmp(key, "queues")) {
		ret = sim_arg_uint(key, val, 1, BUMP_PORT_QUEUE_MAX, &v);
		c->queues = (uint16_t)v;
	} else if (!strcmp(key, "check")) {
		ret = sim_arg_uint(key, val, 0, 1, &v);
		c->check = v;
	} else if (!strcmp(key, "thread")) {
		ret = sim_arg_uint(key, val, 0, 1, &v);
		c->thread = v;
	} else if (!strcmp(key, "cpu")) {
		ret = sim_arg_uint(key, val, 0, CPU_SETSIZE - 1, &v);
		c->cpu = (int)v;
	} else if (!strcmp(key, "size")) {
		ret = sim_arg_uint(key, val, BUMP_FRAME_MIN, BUMP_FRAME_MAX, &v);
		c->size = (uint16_t)v;
	} else if (!strcmp(key, "flows")) {
		ret = sim_arg_uint(key, val, 1, 65535, &v);
		c->flows = (uint32_t)v;
	} else if (!strcmp(key, "rate")) {
		ret = sim_arg_uint(key, val, 0, UINT32_MAX, &v);
		c->rate = v;
	} else {
		return bump_devargs_unknown("sim", key, SIM_ARGS_HELP);
	}
	return ret;
}

int sim_args_parse(const char *args, uint16_t port_id, struct sim_conf *c)
{
	int ret;

	memset(c, 0, sizeof(*c));
	c->mode = SIM_MODE_LOOPBACK;
	c->peer = -1;
	c->queues = 1;
	c->cpu = -1;
	c->size = 64;
	c->flows = 16;
	memcpy(c->mac, (uint8_t[6]){ 0x02, 0x53, 0x49, 0x4d, 0x00, (uint8_t)port_id }, 6);

	ret = bump_devargs_parse("sim", args, NULL, SIM_ARGS_HELP, sim_arg_one, c);
	if (ret)
		return ret;
	if (c->peer >= 0 && c->mode != SIM_MODE_LOOPBACK)
		return bump_error(EINVAL, "sim: peer= only applies to mode=loopback (mode=%s "
				  "generates or sinks by itself)", sim_mode_name(c->mode));
	if (c->check && c->mode != SIM_MODE_LOOPBACK)
		return bump_error(EINVAL, "sim: check=1 only applies to mode=loopback (mode=sink "
				  "and mode=gen always check what the port sends)");
	if (c->thread && c->manual)
		return bump_error(EINVAL, "sim: thread=1 and step=manual exclude each other: the "
				  "device thread steps the device; drop one");
	if (c->cpu >= 0 && !c->thread)
		return bump_error(EINVAL, "sim: cpu=%d needs thread=1 (it pins the device thread)",
				  c->cpu);
	return 0;
}
