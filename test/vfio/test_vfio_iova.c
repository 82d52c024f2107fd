/* SPDX-License-Identifier: MIT */
/*
 * test_vfio_iova.c - lib/vfio's IOVA allocator, from inside: first fit,
 * alignment holes, and coalescing on free.  It reaches the container's
 * internals (bump_vfio_priv.h), which libbump does not export, so it links
 * the static archive (test/vfio/meson.build).
 */
#include <errno.h>
#include <pthread.h>

#include "bump_test.h"
#include "bump_vfio.h"
#include "bump_vfio_priv.h"

static void test_iova_allocator(void)
{
	uint64_t a, b, c;

	pthread_mutex_lock(&vfio_ct.lock);
	vfio_ct.nfree = 1;
	vfio_ct.free[0].start = 1u << 20;
	vfio_ct.free[0].end = (16u << 20) - 1;
	CHECK_EQ(vfio_iova_alloc_locked(4096, 4096, &a), 0);
	CHECK_EQ(a, 1u << 20);
	CHECK_EQ(vfio_iova_alloc_locked(2u << 20, 2u << 20, &b), 0);
	CHECK_EQ(b, 2u << 20);            /* aligned: a hole stays before it */
	CHECK_EQ(vfio_ct.nfree, 2);
	CHECK_EQ(vfio_iova_alloc_locked(8192, 4096, &c), 0);
	CHECK_EQ(c, (1u << 20) + 4096);   /* first fit: the hole */
	CHECK_EQ(vfio_iova_alloc_locked(32u << 20, 4096, &c), -ENOSPC);
	CHECK_ERROR_SAYS("no free IOVA range");
	/* Freed in any order, the space coalesces back into one range. */
	vfio_iova_free_locked(b, 2u << 20);
	vfio_iova_free_locked(a, 4096);
	vfio_iova_free_locked((1u << 20) + 4096, 8192);
	CHECK_EQ(vfio_ct.nfree, 1);
	CHECK(vfio_ct.free[0].start == 1u << 20 && vfio_ct.free[0].end == (16u << 20) - 1);
	vfio_ct.nfree = 0;
	pthread_mutex_unlock(&vfio_ct.lock);
}

int main(void)
{
	static struct test_log log;

	bump_log_set_handler(test_log_handler, &log);  /* the ENOSPC is expected */
	TEST_RUN(test_iova_allocator);
	return test_exit();
}
