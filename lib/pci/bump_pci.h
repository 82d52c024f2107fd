/* SPDX-License-Identifier: MIT */
/*
 * bump_pci.h - PCI helpers for userspace drivers: device addresses, config
 * space access, the capability list, BAR decoding, and what sysfs says about
 * a device (IDs, bound driver, IOMMU group).
 *
 * Config space is read through a file descriptor at a base offset: the
 * sysfs "config" file (base 0) or a VFIO device's config region (base: the
 * region's offset), so the same capability walk serves both.
 *
 * References: PCI Local Bus Specification 3.0, 6.1 (configuration header),
 * 6.2.2 (Command register), 6.2.5 (Base Address Registers), 6.7
 * (capabilities list).
 */
#ifndef BUMP_PCI_H
#define BUMP_PCI_H

#include "bump_api.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Addresses ----------------------------------------------------------- */

/* A PCI function: domain:bus:device.function, as in "0000:00:02.0". */
struct bump_pci_addr {
	uint32_t domain;
	uint8_t bus;
	uint8_t dev;
	uint8_t func;
};

#define BUMP_PCI_ADDR_LEN 13  /* "dddd:bb:dd.f" and the NUL */

/*
 * Parse "dddd:bb:dd.f" or "bb:dd.f" (domain 0).  Returns the characters
 * consumed (the address may be followed by ",options"), or a negative errno.
 */
BUMP_API int bump_pci_addr_parse(const char *str, struct bump_pci_addr *addr);
/* The same without an error message (for probing names). */
BUMP_API int bump_pci_addr_parse_quiet(const char *str, struct bump_pci_addr *addr);
/* Format as "dddd:bb:dd.f" into @buf (at least BUMP_PCI_ADDR_LEN bytes). */
BUMP_API void bump_pci_addr_format(const struct bump_pci_addr *addr, char *buf, size_t len);

/* ---- Configuration header (PCI 3.0, 6.1) --------------------------------- */

enum {
	BUMP_PCI_VENDOR_ID = 0x00,      /* 16 bits */
	BUMP_PCI_DEVICE_ID = 0x02,      /* 16 bits */
	BUMP_PCI_COMMAND = 0x04,        /* 16 bits */
	BUMP_PCI_STATUS = 0x06,         /* 16 bits */
	BUMP_PCI_REVISION = 0x08,       /* 8 bits */
	BUMP_PCI_CLASS = 0x09,          /* 24 bits: prog-if, subclass, class */
	BUMP_PCI_HEADER_TYPE = 0x0e,    /* 8 bits */
	BUMP_PCI_BAR0 = 0x10,           /* six 32-bit BARs */
	BUMP_PCI_SUBSYS_VENDOR = 0x2c,
	BUMP_PCI_SUBSYS_ID = 0x2e,
	BUMP_PCI_CAP_PTR = 0x34,        /* 8 bits */
	BUMP_PCI_CFG_SIZE = 256,        /* conventional config space */
};

/* Command register bits (6.2.2). */
#define BUMP_PCI_CMD_IO 0x0001
#define BUMP_PCI_CMD_MEMORY 0x0002
#define BUMP_PCI_CMD_MASTER 0x0004
#define BUMP_PCI_CMD_INTX_DISABLE 0x0400

/* Status register: a capability list is present (6.2.3). */
#define BUMP_PCI_STATUS_CAP_LIST 0x0010

/* Capability IDs (PCI Code and ID Assignment Specification). */
#define BUMP_PCI_CAP_ID_PM 0x01
#define BUMP_PCI_CAP_ID_MSI 0x05
#define BUMP_PCI_CAP_ID_VNDR 0x09
#define BUMP_PCI_CAP_ID_EXP 0x10
#define BUMP_PCI_CAP_ID_MSIX 0x11

/* ---- Config space access ------------------------------------------------- */

/* Where a device's config space is: pread/pwrite on @fd at @base + offset. */
struct bump_pci_cfg {
	int fd;
	off_t base;
	size_t size;  /* bytes accessible (256 or 4096) */
};

/* Read or write @len bytes at @off.  0 or a negative errno (short access: -EIO). */
BUMP_API int bump_pci_cfg_read(const struct bump_pci_cfg *cfg, unsigned off, void *buf, size_t len);
BUMP_API int bump_pci_cfg_write(const struct bump_pci_cfg *cfg, unsigned off, const void *buf,
				size_t len);
BUMP_API int bump_pci_cfg_read8(const struct bump_pci_cfg *cfg, unsigned off, uint8_t *val);
BUMP_API int bump_pci_cfg_read16(const struct bump_pci_cfg *cfg, unsigned off, uint16_t *val);
BUMP_API int bump_pci_cfg_read32(const struct bump_pci_cfg *cfg, unsigned off, uint32_t *val);
BUMP_API int bump_pci_cfg_write16(const struct bump_pci_cfg *cfg, unsigned off, uint16_t val);
BUMP_API int bump_pci_cfg_write32(const struct bump_pci_cfg *cfg, unsigned off, uint32_t val);

/*
 * Walk the capability list (6.7): call @fn for each capability with its ID
 * and config-space offset until @fn returns non-zero (which is returned).
 * Returns 0 at the end of the list, or a negative errno for a broken list
 * (a loop, a pointer outside config space).
 */
typedef int (*bump_pci_cap_fn)(const struct bump_pci_cfg *cfg, uint8_t id, uint8_t off, void *arg);
BUMP_API int bump_pci_cap_foreach(const struct bump_pci_cfg *cfg, bump_pci_cap_fn fn, void *arg);
/* Offset of the first capability with @id after @start (0: from the head); 0 if none. */
BUMP_API int bump_pci_cap_find(const struct bump_pci_cfg *cfg, uint8_t id, uint8_t start);

/* ---- BARs (6.2.5.1) ------------------------------------------------------ */

struct bump_pci_bar {
	uint64_t addr;     /* bus address the BAR holds (informational in userspace) */
	bool io;           /* an I/O port BAR */
	bool mem64;        /* a 64-bit memory BAR (it also uses the next BAR slot) */
	bool prefetch;
};

/* Decode BAR @idx (0..5) from config space (no sizing: that needs writes). */
BUMP_API int bump_pci_bar_decode(const struct bump_pci_cfg *cfg, unsigned idx,
				 struct bump_pci_bar *bar);

/* ---- sysfs (/sys/bus/pci/devices/<addr>/) -------------------------------- */

struct bump_pci_ids {
	uint16_t vendor, device;
	uint16_t subsys_vendor, subsys_device;
	uint32_t class_code;  /* 24 bits: class, subclass, prog-if */
};

/* Override the sysfs root (tests); NULL restores "/sys". */
BUMP_API void bump_pci_sysfs_set_root(const char *root);
/*
 * @addr's sysfs path with @leaf ("driver_override") under it, or, with a
 * NULL @addr, the path of @leaf under the PCI bus ("drivers_probe").
 */
BUMP_API void bump_pci_sysfs_path(const struct bump_pci_addr *addr, const char *leaf, char *buf,
				  size_t len);
/* The device's directory under sysfs exists. */
BUMP_API bool bump_pci_sysfs_exists(const struct bump_pci_addr *addr);
BUMP_API int bump_pci_sysfs_ids(const struct bump_pci_addr *addr, struct bump_pci_ids *ids);
/* The bound driver's name into @buf, "" when none; 0 or a negative errno. */
BUMP_API int bump_pci_sysfs_driver(const struct bump_pci_addr *addr, char *buf, size_t len);
/* The IOMMU group number; -ENOENT when the device has none (no IOMMU). */
BUMP_API int bump_pci_sysfs_iommu_group(const struct bump_pci_addr *addr);
/*
 * The devices of IOMMU group @group as "addr (driver), ..." into @buf;
 * returns how many there are, or a negative errno.
 */
BUMP_API int bump_pci_sysfs_group_devices(int group, char *buf, size_t len);
/* The NUMA node sysfs reports (-1 when unknown). */
BUMP_API int bump_pci_sysfs_numa_node(const struct bump_pci_addr *addr);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_PCI_H */
