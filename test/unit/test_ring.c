/* SPDX-License-Identifier: MIT */
/* Unit tests for lib/ring: the recycle ring's single-threaded contract. */
#include "bump_ring.h"
#include "bump_test.h"

static void test_ring_create_rejects_bad_sizes(void)
{
	struct bump_ring *r;

	CHECK_EQ(bump_ring_create(0, &r), -EINVAL);
	CHECK_EQ(bump_ring_create(3, &r), -EINVAL);
	CHECK_ERROR_SAYS("power of two");
	CHECK_EQ(bump_ring_create(1u << 31, &r), -EINVAL);
}

static void test_ring_fifo_and_full(void)
{
	struct bump_ring *r;
	void *in[8], *out[10];

	CHECK_EQ(bump_ring_create(8, &r), 0);
	for (uintptr_t i = 0; i < 8; i++)
		in[i] = (void *)(i + 1);
	CHECK_EQ(bump_ring_enqueue_burst(r, in, 5), 5);
	CHECK_EQ(bump_ring_count(r), 5);
	/* Only three slots are left. */
	CHECK_EQ(bump_ring_enqueue_burst(r, in + 5, 3), 3);
	CHECK_EQ(bump_ring_enqueue_burst(r, in, 1), 0);
	CHECK_EQ(bump_ring_dequeue_burst(r, out, 2), 2);
	/* Producers' copy of the tail is stale now: they read the real one. */
	CHECK_EQ(bump_ring_enqueue_burst(r, in, 3), 2);
	CHECK_EQ(bump_ring_dequeue_burst(r, out + 2, 8), 8);
	for (int i = 0; i < 8; i++)
		CHECK(out[i] == in[i]);
	CHECK(out[8] == in[0] && out[9] == in[1]);
	CHECK_EQ(bump_ring_dequeue_burst(r, out, 8), 0);
	CHECK_EQ(bump_ring_enqueued(r), 10);
	bump_ring_free(r);
}

static void test_ring_wraps_many_laps(void)
{
	struct bump_ring *r;
	uintptr_t next_in = 1, next_out = 1;
	void *buf[3];

	CHECK_EQ(bump_ring_create(4, &r), 0);
	for (int lap = 0; lap < 1000; lap++) {
		unsigned k;

		for (int i = 0; i < 3; i++)
			buf[i] = (void *)next_in++;
		CHECK_EQ(bump_ring_enqueue_burst(r, buf, 3), 3);
		k = bump_ring_dequeue_burst(r, buf, 3);
		CHECK_EQ(k, 3);
		for (unsigned i = 0; i < k; i++)
			CHECK(buf[i] == (void *)next_out++);
	}
	bump_ring_free(r);
}

static void test_ring_claim_publish_in_order(void)
{
	struct bump_ring *r;
	uint64_t pos1, pos2;
	void *a = (void *)1, *b = (void *)2, *out[2];

	CHECK_EQ(bump_ring_create(4, &r), 0);
	CHECK_EQ(bump_ring_claim(r, 1, &pos1), 1);
	CHECK_EQ(bump_ring_claim(r, 1, &pos2), 1);
	/* The second producer publishes first: the consumer waits for the first slot. */
	bump_ring_publish(r, pos2, &b, 1);
	CHECK_EQ(bump_ring_dequeue_burst(r, out, 2), 0);
	bump_ring_publish(r, pos1, &a, 1);
	CHECK_EQ(bump_ring_dequeue_burst(r, out, 2), 2);
	CHECK(out[0] == a && out[1] == b);
	bump_ring_free(r);
}

int main(void)
{
	TEST_RUN(test_ring_create_rejects_bad_sizes);
	TEST_RUN(test_ring_fifo_and_full);
	TEST_RUN(test_ring_wraps_many_laps);
	TEST_RUN(test_ring_claim_publish_in_order);
	return test_exit();
}
