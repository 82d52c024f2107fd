/* SPDX-License-Identifier: MIT */
/*
 * test_vfio_host.c - what lib/pci and lib/vfio can prove without a device:
 * PCI address parsing, the capability walk and BAR decoding over a config
 * space file, and the advice each refusal gives, on a
 * fake sysfs tree (a NIC bound to its kernel driver, no IOMMU group, an
 * unsupported device, a non-viable group).  The devices themselves are
 * exercised in QEMU guests (vfio_qemu.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bump_pci.h"
#include "bump_port.h"
#include "bump_test.h"
#include "bump_vfio.h"

static char root[] = "/tmp/bump-sysfs.XXXXXX";

static void put_file(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void mkdirs(const char *rel)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	CHECK(system(cmd) == 0);
}

static void rmdir_rel(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	CHECK(rmdir(path) == 0);
}

static void put_link(const char *rel, const char *target)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	unlink(path);
	if (target)
		CHECK(symlink(target, path) == 0);
}

/* A fake 0000:00:02.0 with these IDs, bound to @driver (NULL: none), in IOMMU group @group (-1: none). */
static void fake_device(const char *vendor, const char *device, const char *driver, int group)
{
	const char *dev = "bus/pci/devices/0000:00:02.0";
	char target[128], rel[256];

	mkdirs(dev);
	snprintf(rel, sizeof(rel), "%s/vendor", dev);
	put_file(rel, vendor);
	snprintf(rel, sizeof(rel), "%s/device", dev);
	put_file(rel, device);
	snprintf(rel, sizeof(rel), "%s/subsystem_vendor", dev);
	put_file(rel, "0x8086\n");
	snprintf(rel, sizeof(rel), "%s/subsystem_device", dev);
	put_file(rel, "0x0000\n");
	snprintf(rel, sizeof(rel), "%s/class", dev);
	put_file(rel, "0x020000\n");
	snprintf(rel, sizeof(rel), "%s/driver", dev);
	if (driver)
		snprintf(target, sizeof(target), "../../../bus/pci/drivers/%s", driver);
	put_link(rel, driver ? target : NULL);
	snprintf(rel, sizeof(rel), "%s/iommu_group", dev);
	snprintf(target, sizeof(target), "../../../kernel/iommu_groups/%d", group);
	put_link(rel, group >= 0 ? target : NULL);
}

static void test_addr_parse(void)
{
	struct bump_pci_addr a;
	char buf[BUMP_PCI_ADDR_LEN];

	CHECK_EQ(bump_pci_addr_parse("0000:00:02.0", &a), 12);
	CHECK(a.domain == 0 && a.bus == 0 && a.dev == 2 && a.func == 0);
	CHECK_EQ(bump_pci_addr_parse("0001:3b:1f.7,noiommu=1", &a), 12);
	CHECK(a.domain == 1 && a.bus == 0x3b && a.dev == 0x1f && a.func == 7);
	bump_pci_addr_format(&a, buf, sizeof(buf));
	CHECK(!strcmp(buf, "0001:3b:1f.7"));
	CHECK_EQ(bump_pci_addr_parse("3b:00.1", &a), 7);
	CHECK(a.domain == 0 && a.bus == 0x3b && a.func == 1);
	CHECK_EQ(bump_pci_addr_parse("00:20.0", &a), -EINVAL);  /* device > 31 */
	CHECK_ERROR_SAYS("lspci -D");
	CHECK_EQ(bump_pci_addr_parse("0000:00:02", &a), -EINVAL);
	CHECK_EQ(bump_pci_addr_parse("eth0", &a), -EINVAL);
	CHECK_EQ(bump_pci_addr_parse("", &a), -EINVAL);
}

/* A config space file: status says "capabilities", the list at 0x40. */
static int cfg_file(uint8_t *cs)
{
	char path[] = "/tmp/bump-cfg.XXXXXX";
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	unlink(path);
	CHECK(pwrite(fd, cs, 256, 0) == 256);
	return fd;
}

static int count_caps(const struct bump_pci_cfg *cfg, uint8_t id, uint8_t off, void *arg)
{
	(void)cfg;
	(void)id;
	(void)off;
	(*(int *)arg)++;
	return 0;
}

static void test_cap_walk(void)
{
	uint8_t cs[256] = { 0 };
	struct bump_pci_cfg cfg = { .base = 0, .size = 256 };
	int n = 0;

	cs[BUMP_PCI_STATUS] = BUMP_PCI_STATUS_CAP_LIST;
	cs[BUMP_PCI_CAP_PTR] = 0x40;
	cs[0x40] = BUMP_PCI_CAP_ID_VNDR;
	cs[0x41] = 0x50;
	cs[0x50] = BUMP_PCI_CAP_ID_MSIX;
	cs[0x51] = 0x60;
	cs[0x60] = BUMP_PCI_CAP_ID_VNDR;
	cs[0x61] = 0x00;
	cfg.fd = cfg_file(cs);
	CHECK_EQ(bump_pci_cap_foreach(&cfg, count_caps, &n), 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(bump_pci_cap_find(&cfg, BUMP_PCI_CAP_ID_VNDR, 0), 0x40);
	CHECK_EQ(bump_pci_cap_find(&cfg, BUMP_PCI_CAP_ID_VNDR, 0x40), 0x60);
	CHECK_EQ(bump_pci_cap_find(&cfg, BUMP_PCI_CAP_ID_MSI, 0), 0);
	/* A loop and a pointer into the header are refused, not followed forever. */
	cs[0x61] = 0x40;
	CHECK(pwrite(cfg.fd, cs, 256, 0) == 256);
	CHECK_EQ(bump_pci_cap_foreach(&cfg, count_caps, &n), -EIO);
	CHECK_ERROR_SAYS("broken capability list");
	cs[0x61] = 0x10;
	CHECK(pwrite(cfg.fd, cs, 256, 0) == 256);
	CHECK_EQ(bump_pci_cap_foreach(&cfg, count_caps, &n), -EIO);
	/* Reads past config space are refused. */
	CHECK_EQ(bump_pci_cfg_read(&cfg, 250, cs, 16), -EINVAL);
	close(cfg.fd);
}

static void test_bar_decode(void)
{
	uint8_t cs[256] = { 0 };
	uint32_t bars[6] = { 0xfebc0000, 0x0000c001, 0xfe00000c, 0x00000001, 0, 0x4 };
	struct bump_pci_cfg cfg = { .base = 0, .size = 256 };
	struct bump_pci_bar bar;

	memcpy(cs + BUMP_PCI_BAR0, bars, sizeof(bars));
	cfg.fd = cfg_file(cs);
	CHECK_EQ(bump_pci_bar_decode(&cfg, 0, &bar), 0);
	CHECK(!bar.io && !bar.mem64 && bar.addr == 0xfebc0000);
	CHECK_EQ(bump_pci_bar_decode(&cfg, 1, &bar), 0);
	CHECK(bar.io && bar.addr == 0xc000);
	CHECK_EQ(bump_pci_bar_decode(&cfg, 2, &bar), 0);
	CHECK(bar.mem64 && bar.prefetch && bar.addr == 0x1fe000000ull);
	CHECK_EQ(bump_pci_bar_decode(&cfg, 5, &bar), -EIO);  /* 64-bit with no high slot */
	CHECK_EQ(bump_pci_bar_decode(&cfg, 6, &bar), -EINVAL);
	close(cfg.fd);
}

static void test_advice_not_bound(void)
{
	struct bump_vfio_dev *dev;

	fake_device("0x8086\n", "0x10d3\n", "e1000e", 5);
	CHECK_EQ(bump_vfio_dev_open("0000:00:02.0", 0, &dev), -ENODEV);
	CHECK_ERROR_SAYS("bound to e1000e, not vfio-pci");
	CHECK_ERROR_SAYS("/sys/bus/pci/devices/0000:00:02.0/driver/unbind");
	CHECK_ERROR_SAYS("driver_override");
	CHECK_ERROR_SAYS("dpdk-devbind.py --bind=vfio-pci 0000:00:02.0");
	CHECK(dev == NULL);
}

static void test_advice_no_iommu(void)
{
	struct bump_vfio_dev *dev;

	fake_device("0x8086\n", "0x10d3\n", NULL, -1);
	CHECK_EQ(bump_vfio_dev_open("0000:00:02.0", 0, &dev), -ENODEV);
	CHECK_ERROR_SAYS("no IOMMU group");
	CHECK_ERROR_SAYS("intel_iommu=on");
}

static void test_advice_no_device(void)
{
	struct bump_vfio_dev *dev;

	CHECK_EQ(bump_vfio_dev_open("0000:00:09.0", 0, &dev), -ENODEV);
	CHECK_ERROR_SAYS("no PCI device 0000:00:09.0");
	CHECK_EQ(bump_vfio_dev_open("0000:00:02.0x", 0, &dev), -EINVAL);
}

/* The interface holding this machine's IPv4 default route, into @buf ("" if none). */
static void default_route_iface(char *buf, size_t len)
{
	char line[256], dev[32];
	unsigned long dst, mask;
	FILE *f = fopen("/proc/net/route", "r");

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %lx %*x %*x %*d %*d %*d %lx", dev, &dst, &mask) == 3 &&
		    dst == 0 && mask == 0) {
			snprintf(buf, len, "%s", dev);
			break;
		}
	if (f)
		fclose(f);
}

/* bump_vfio_bind refuses a NIC whose interface is in use, naming it and the way out. */
static void test_bind_refuses_in_use(void)
{
	const char *net = "bus/pci/devices/0000:00:02.0/net";
	char rel[128];

	fake_device("0x8086\n", "0x10d3\n", "e1000e", 5);
	mkdirs(net);
	CHECK_EQ(bump_vfio_bind("0000:00:02.0", 0), -ENOENT);
	CHECK_ERROR_SAYS("modprobe vfio-pci");
	mkdirs("bus/pci/drivers/vfio-pci");

	/* The loopback interface is up with 127.0.0.1 on every machine. */
	snprintf(rel, sizeof(rel), "%s/lo", net);
	mkdirs(rel);
	CHECK_EQ(bump_vfio_bind("0000:00:02.0", 0), -EBUSY);
	CHECK_ERROR_SAYS("0000:00:02.0 is network interface lo, which is up with address 127.0.0.1");
	CHECK_ERROR_SAYS("unbinding it from e1000e would take it away");
	CHECK_ERROR_SAYS("ip addr flush dev lo; ip link set lo down");
	CHECK_ERROR_SAYS("force the unbind");
	rmdir_rel(rel);
	/* A virtio NIC's interface sits under its virtio device. */
	snprintf(rel, sizeof(rel), "%s/../virtio0/net/lo", net);
	mkdirs(rel);
	CHECK_EQ(bump_vfio_bind("0000:00:02.0", 0), -EBUSY);
	CHECK_ERROR_SAYS("0000:00:02.0 is network interface lo, which is up with address 127.0.0.1");
	rmdir_rel(rel);

	/* Bound to vfio-pci already: nothing to do. */
	fake_device("0x8086\n", "0x10d3\n", "vfio-pci", 5);
	CHECK_EQ(bump_vfio_bind("0000:00:02.0", 0), 0);
	CHECK_EQ(bump_vfio_bind("0000:00:02.0,x", 0), -EINVAL);
	CHECK_EQ(bump_vfio_bind("0000:00:09.0", 0), -ENODEV);
	CHECK_ERROR_SAYS("no PCI device 0000:00:09.0");
}

static void test_bind_refuses_default_route(void)
{
	char rel[128], iface[32];

	default_route_iface(iface, sizeof(iface));
	if (!iface[0])
		TEST_SKIP("this machine has no IPv4 default route");
	fake_device("0x8086\n", "0x10d3\n", "e1000e", 5);
	mkdirs("bus/pci/drivers/vfio-pci");
	snprintf(rel, sizeof(rel), "bus/pci/devices/0000:00:02.0/net/%s", iface);
	mkdirs(rel);
	CHECK_EQ(bump_vfio_bind("0000:00:02.0", 0), -EBUSY);
	CHECK_ERROR_SAYS("which carries the IPv4 default route (via ");
	CHECK_ERROR_SAYS("cut this machine off its network");
	CHECK_ERROR_SAYS("ip route del default; ");
	rmdir_rel(rel);
}

static void test_group_listing(void)
{
	char buf[512];

	mkdirs("kernel/iommu_groups/5/devices/0000:00:02.0");
	mkdirs("kernel/iommu_groups/5/devices/0000:00:02.1");
	fake_device("0x8086\n", "0x10d3\n", "e1000e", 5);
	CHECK_EQ(bump_pci_sysfs_group_devices(5, buf, sizeof(buf)), 2);
	CHECK(strstr(buf, "0000:00:02.0 (e1000e)") != NULL);
	CHECK(strstr(buf, "0000:00:02.1 (no driver)") != NULL);
	CHECK_EQ(bump_pci_sysfs_iommu_group(&(struct bump_pci_addr){ .dev = 2 }), 5);
	CHECK_EQ(bump_pci_sysfs_group_devices(77, buf, sizeof(buf)), -ENOENT);
}

static void test_port_dispatch(void)
{
	struct bump_port *port = NULL;

	/* An ID no driver claims: the message lists what is supported. */
	fake_device("0x8086\n", "0x1521\n", "igb", 5);
	CHECK_EQ(bump_port_open("vfio:0000:00:02.0", &port), -ENOTSUP);
	CHECK_ERROR_SAYS("no bump driver for 0000:00:02.0 (8086:1521)");
	CHECK_ERROR_SAYS("e1000e (8086:10d3)");
	CHECK_ERROR_SAYS("virtio-net (1af4:1041)");
	/* A supported one reaches its driver, which explains the binding. */
	fake_device("0x1af4\n", "0x1041\n", "virtio-pci", 5);
	CHECK_EQ(bump_port_open("vfio:0000:00:02.0", &port), -ENODEV);
	CHECK_ERROR_SAYS("bound to virtio-pci, not vfio-pci");
	CHECK_EQ(bump_port_open("vfio:0000:00:02.0,speed=9", &port), -EINVAL);
	CHECK_ERROR_SAYS("unknown devargs key 'speed'");
	CHECK_EQ(bump_port_open("vfio:", &port), -EINVAL);
	CHECK(port == NULL);
}

static void test_no_vfio_here(void)
{
	struct bump_dma_dev *dma;
	struct bump_vfio_stats st;
	int ret;

	if (access("/dev/vfio/vfio", F_OK) == 0)
		TEST_SKIP("this machine has /dev/vfio/vfio");
	ret = bump_vfio_dma_dev_get(&dma);
	CHECK_EQ(ret, -ENOENT);
	CHECK_ERROR_SAYS("modprobe vfio-pci");
	bump_vfio_get_stats(&st);
	CHECK_EQ(st.maps, 0);
	CHECK_EQ(st.containers_opened, 0);
}

int main(void)
{
	CHECK(mkdtemp(root) != NULL);
	bump_pci_sysfs_set_root(root);
	/* The refusals are the point here: keep them out of the output. */
	static struct test_log log;

	bump_log_set_handler(test_log_handler, &log);

	TEST_RUN(test_addr_parse);
	TEST_RUN(test_cap_walk);
	TEST_RUN(test_bar_decode);
	TEST_RUN(test_advice_not_bound);
	TEST_RUN(test_advice_no_iommu);
	TEST_RUN(test_advice_no_device);
	TEST_RUN(test_bind_refuses_in_use);
	TEST_RUN(test_bind_refuses_default_route);
	TEST_RUN(test_group_listing);
	TEST_RUN(test_port_dispatch);
	TEST_RUN(test_no_vfio_here);

	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", root);
	}
	return test_exit();
}
