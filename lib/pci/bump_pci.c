/* SPDX-License-Identifier: MIT */
/*
 * bump_pci.c - PCI addresses, config space access, the capability walk and
 * BAR decoding (PCI Local Bus Specification 3.0, chapter 6).
 */
#include "bump_pci.h"
#include "bump_common.h"
#include "bump_log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- Addresses ----------------------------------------------------------- */

static int pci_hex(const char *s, unsigned max_digits, uint32_t *val, unsigned *used)
{
	uint32_t v = 0;
	unsigned n = 0;

	while (n < max_digits) {
		char c = s[n];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			break;
		v = v << 4 | d;
		n++;
	}
	if (n == 0)
		return -EINVAL;
	*val = v;
	*used = n;
	return 0;
}

/* Parse without logging: -EINVAL for a malformed address. */
int bump_pci_addr_parse_quiet(const char *str, struct bump_pci_addr *addr)
{
	uint32_t f[4];
	unsigned used, at = 0, nf = 0;
	const char *s = str;

	/* Up to four fields: [domain:]bus:dev.func */
	for (;;) {
		if (nf == 4 || pci_hex(s + at, nf == 0 ? 8 : 4, &f[nf], &used))
			goto bad;
		at += used;
		nf++;
		if (s[at] == ':') {
			at++;
			continue;
		}
		if (s[at] == '.' && (nf == 2 || nf == 3)) {
			at++;
			if (pci_hex(s + at, 1, &f[nf], &used))
				goto bad;
			at += used;
			nf++;
			break;
		}
		goto bad;
	}
	if (nf == 3) {  /* bus:dev.func */
		f[3] = f[2];
		f[2] = f[1];
		f[1] = f[0];
		f[0] = 0;
	}
	if (f[0] > 0xffff || f[1] > 0xff || f[2] > 0x1f || f[3] > 7)
		goto bad;
	addr->domain = f[0];
	addr->bus = (uint8_t)f[1];
	addr->dev = (uint8_t)f[2];
	addr->func = (uint8_t)f[3];
	return (int)at;
bad:
	return -EINVAL;
}

int bump_pci_addr_parse(const char *str, struct bump_pci_addr *addr)
{
	int ret;

	if (!str || !addr)
		return bump_error(EINVAL, "bump_pci_addr_parse: pass a string and an address");
	ret = bump_pci_addr_parse_quiet(str, addr);
	if (ret < 0)
		return bump_error(EINVAL, "'%s' is not a PCI address: write it as "
				  "domain:bus:device.function in hex, e.g. 0000:00:02.0 (lspci -D "
				  "lists them)", str);
	return ret;
}

void bump_pci_addr_format(const struct bump_pci_addr *addr, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", addr->domain, addr->bus, addr->dev, addr->func);
}

/* ---- Config space access ------------------------------------------------- */

int bump_pci_cfg_read(const struct bump_pci_cfg *cfg, unsigned off, void *buf, size_t len)
{
	ssize_t n;

	if (off > cfg->size || len > cfg->size - off)
		return bump_error(EINVAL, "pci: config read of %zu bytes at 0x%x is outside the "
				  "%zu bytes of config space", len, off, cfg->size);
	n = pread(cfg->fd, buf, len, cfg->base + (off_t)off);
	if (n < 0)
		return bump_error(errno, "pci: config read at 0x%x failed: %s", off, strerror(errno));
	if ((size_t)n != len)
		return bump_error(EIO, "pci: config read at 0x%x returned %zd of %zu bytes", off, n, len);
	return 0;
}

int bump_pci_cfg_write(const struct bump_pci_cfg *cfg, unsigned off, const void *buf, size_t len)
{
	ssize_t n;

	if (off > cfg->size || len > cfg->size - off)
		return bump_error(EINVAL, "pci: config write of %zu bytes at 0x%x is outside the "
				  "%zu bytes of config space", len, off, cfg->size);
	n = pwrite(cfg->fd, buf, len, cfg->base + (off_t)off);
	if (n < 0)
		return bump_error(errno, "pci: config write at 0x%x failed: %s", off, strerror(errno));
	if ((size_t)n != len)
		return bump_error(EIO, "pci: config write at 0x%x wrote %zd of %zu bytes", off, n, len);
	return 0;
}

/* Config space is little-endian (PCI 3.0, 6.1); so is every host bump runs on. */
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "bump's PCI code assumes a little-endian host");

int bump_pci_cfg_read8(const struct bump_pci_cfg *cfg, unsigned off, uint8_t *val)
{
	return bump_pci_cfg_read(cfg, off, val, sizeof(*val));
}

int bump_pci_cfg_read16(const struct bump_pci_cfg *cfg, unsigned off, uint16_t *val)
{
	return bump_pci_cfg_read(cfg, off, val, sizeof(*val));
}

int bump_pci_cfg_read32(const struct bump_pci_cfg *cfg, unsigned off, uint32_t *val)
{
	return bump_pci_cfg_read(cfg, off, val, sizeof(*val));
}

int bump_pci_cfg_write16(const struct bump_pci_cfg *cfg, unsigned off, uint16_t val)
{
	return bump_pci_cfg_write(cfg, off, &val, sizeof(val));
}

int bump_pci_cfg_write32(const struct bump_pci_cfg *cfg, unsigned off, uint32_t val)
{
	return bump_pci_cfg_write(cfg, off, &val, sizeof(val));
}

/* ---- Capabilities (6.7) -------------------------------------------------- */

int bump_pci_cap_foreach(const struct bump_pci_cfg *cfg, bump_pci_cap_fn fn, void *arg)
{
	uint16_t status;
	uint8_t ptr, hdr[2];
	unsigned hops = 0;
	int ret;

	ret = bump_pci_cfg_read16(cfg, BUMP_PCI_STATUS, &status);
	if (ret)
		return ret;
	if (!(status & BUMP_PCI_STATUS_CAP_LIST))
		return 0;
	ret = bump_pci_cfg_read8(cfg, BUMP_PCI_CAP_PTR, &ptr);
	if (ret)
		return ret;
	/* The bottom two bits of every pointer are reserved (6.7). */
	ptr &= 0xfc;
	while (ptr) {
		/* Capabilities live after the 64-byte header; 48 of 4 bytes fill the rest. */
		if (ptr < 0x40 || ++hops > 48)
			return bump_error(EIO, "pci: broken capability list (pointer 0x%02x after %u "
					  "capabilities); the device or its emulation is faulty",
					  ptr, hops);
		ret = bump_pci_cfg_read(cfg, ptr, hdr, sizeof(hdr));
		if (ret)
			return ret;
		ret = fn(cfg, hdr[0], ptr, arg);
		if (ret)
			return ret;
		ptr = hdr[1] & 0xfc;
	}
	return 0;
}

struct pci_cap_find {
	uint8_t id, start, found;
};

static int pci_cap_find_one(const struct bump_pci_cfg *cfg, uint8_t id, uint8_t off, void *arg)
{
	struct pci_cap_find *f = arg;

	(void)cfg;
	if (id == f->id && off > f->start) {
		f->found = off;
		return 1;
	}
	return 0;
}

int bump_pci_cap_find(const struct bump_pci_cfg *cfg, uint8_t id, uint8_t start)
{
	struct pci_cap_find f = { .id = id, .start = start, .found = 0 };
	int ret = bump_pci_cap_foreach(cfg, pci_cap_find_one, &f);

	return ret < 0 ? ret : f.found;
}

/* ---- BARs (6.2.5.1) ------------------------------------------------------ */

int bump_pci_bar_decode(const struct bump_pci_cfg *cfg, unsigned idx, struct bump_pci_bar *bar)
{
	uint32_t lo, hi = 0;
	int ret;

	if (idx > 5)
		return bump_error(EINVAL, "pci: BAR %u does not exist (BARs are 0..5)", idx);
	ret = bump_pci_cfg_read32(cfg, BUMP_PCI_BAR0 + 4 * idx, &lo);
	if (ret)
		return ret;
	memset(bar, 0, sizeof(*bar));
	if (lo & 1) {  /* bit 0: I/O space */
		bar->io = true;
		bar->addr = lo & ~3u;
		return 0;
	}
	/* Bits 2:1 = 10b: a 64-bit BAR whose high half is the next slot. */
	bar->mem64 = ((lo >> 1) & 3) == 2;
	bar->prefetch = lo & 8;
	if (bar->mem64) {
		if (idx == 5)
			return bump_error(EIO, "pci: BAR 5 claims to be 64-bit; no slot holds its high half");
		ret = bump_pci_cfg_read32(cfg, BUMP_PCI_BAR0 + 4 * (idx + 1), &hi);
		if (ret)
			return ret;
	}
	bar->addr = (uint64_t)hi << 32 | (lo & ~0xfu);
	return 0;
}
