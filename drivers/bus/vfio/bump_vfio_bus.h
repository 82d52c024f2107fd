/* SPDX-License-Identifier: MIT */
/*
 * bump_vfio_bus.h - the "vfio" port driver, a bus: "vfio:0000:00:02.0"
 * opens the PCI function there through lib/vfio and hands the port to
 * whichever registered PCI driver lists its vendor:device ID
 * (drivers/net/e1000e, drivers/net/virtio), as the kernel's PCI core
 * matches id_tables.  From then on lib/port calls that driver's ops and
 * bursts directly (bump_port_set_ops).
 *
 * The bus does what every vfio NIC driver does the same way: parse the
 * devargs, open and close the VFIO device, bus mastering at close, the
 * port's DMA device and info, the RX test hook.
 */
#ifndef BUMP_VFIO_BUS_H
#define BUMP_VFIO_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "bump_port.h"
#include "bump_vfio.h"

#ifdef __cplusplus
extern "C" {
#endif

struct bump_vfio_pci_id {
	uint16_t vendor, device;
};

/*
 * A test hook, called for each RX completion before the driver reads it:
 * @desc is the completion the device wrote (a legacy RX descriptor, a used
 * ring element), and the length field is @len_size bytes at @len_off.  A
 * hook may overwrite it to play a faulty device.
 */
typedef void (*bump_vfio_rx_hook)(void *arg, uint16_t qid, volatile void *desc, unsigned len_off,
				  unsigned len_size);

/* Where an RX queue keeps its hook (NULL fn: none). */
struct bump_vfio_rx_hook_slot {
	bump_vfio_rx_hook fn;
	void *arg;
};

struct bump_vfio_pci_driver;

/* What the bus keeps of an open port (its priv): the first member of the driver's state. */
struct bump_vfio_port {
	const struct bump_vfio_pci_driver *drv;
	struct bump_vfio_dev *vdev;
	struct bump_vfio_rx_hook_slot *rx_hook;  /* the RX queue's, set by its setup */
};

struct bump_vfio_pci_driver {
	const char *name;                     /* "e1000e", "virtio-net" */
	const struct bump_vfio_pci_id *ids;   /* ends with { 0, 0 } */
	size_t priv_size;                     /* its device state, beginning with struct bump_vfio_port */
	/*
	 * Bring up the device the bus opened (bp->vdev; the rest of the
	 * state is zeroed): reset, bus mastering, MAC into @info, and
	 * max_rx_pktlen (the bus sets one queue each way and MTU 1500 first).
	 * On failure the bus closes the device, which vfio-pci resets.
	 */
	int (*probe)(struct bump_vfio_port *bp, struct bump_port_info *info);
	/* At close, after stop: quiesce the device, no DMA after it (bus mastering goes next). */
	void (*reset)(struct bump_vfio_port *bp);
	/* At close, once bus mastering is off: free the queues. */
	void (*free_queues)(struct bump_vfio_port *bp);
	/*
	 * The port's ops from open on.  open is not used; close must be
	 * bump_vfio_bus_close; stats_reset NULL lets lib/port snapshot.
	 */
	const struct bump_port_driver *ops;
};

int bump_vfio_pci_driver_register(const struct bump_vfio_pci_driver *drv);
/* Every PCI driver's close: stop, reset, bus mastering off, queues, the device, the state. */
void bump_vfio_bus_close(struct bump_port *port);

/* Install a test hook on every RX queue of an open vfio port (NULL removes it). */
int bump_vfio_port_set_rx_hook(struct bump_port *port, bump_vfio_rx_hook hook, void *arg);
/* The VFIO device of an open vfio port, or NULL. */
struct bump_vfio_dev *bump_vfio_port_dev(struct bump_port *port);
/* The name of the PCI driver behind an open vfio port ("e1000e"), or NULL. */
const char *bump_vfio_port_pci_driver(struct bump_port *port);

/*
 * devargs of the "vfio" port driver: "<pci address>[,noiommu=0|1]", e.g.
 * "vfio:0000:00:02.0": the address into @pci_addr, the flags to open the
 * device with (BUMP_VFIO_F_*) into @flags.
 */
int bump_vfio_parse_args(const char *args, char *pci_addr, size_t len, unsigned *flags);

#ifdef __cplusplus
}
#endif
#endif /* BUMP_VFIO_BUS_H */
