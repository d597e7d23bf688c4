// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: argument checks of the control ioctls (API, CREATE), each errno
 * and the order Documentation/uapi.rst gives them in.
 */
#include <kunit/test.h>
#include <linux/module.h>

#include "flipcall.h"

static const struct flipcall_limits test_limits = {
	.max_window_len		= 16 * PAGE_SIZE,
	.user_limit		= 64 * PAGE_SIZE,
	.default_spin_ns	= 500,
	.max_spin_ns		= 2000,
};

static void api_check_accepts_valid(struct kunit *test)
{
	struct flipcall_api api = { .api = FLIPCALL_API };

	KUNIT_EXPECT_EQ(test, flipcall_api_check(&api), 0);
	api.features = FLIPCALL_FEATURES;
	KUNIT_EXPECT_EQ(test, flipcall_api_check(&api), 0);
}

static void api_check_rejects_each_field(struct kunit *test)
{
	struct flipcall_api api = { .api = FLIPCALL_API + 1 };
	int i;

	KUNIT_EXPECT_EQ(test, flipcall_api_check(&api), -EINVAL);
	api.api = 0;
	KUNIT_EXPECT_EQ(test, flipcall_api_check(&api), -EINVAL);

	api = (struct flipcall_api){ .api = FLIPCALL_API, .flags = 1 };
	KUNIT_EXPECT_EQ(test, flipcall_api_check(&api), -EINVAL);

	for (i = 0; i < ARRAY_SIZE(api.reserved); i++) {
		api = (struct flipcall_api){ .api = FLIPCALL_API };
		api.reserved[i] = 1;
		KUNIT_EXPECT_EQ(test, flipcall_api_check(&api), -EINVAL);
	}

	api = (struct flipcall_api){ .api = FLIPCALL_API };
	api.features = FLIPCALL_FEATURES + 1;
	KUNIT_EXPECT_EQ(test, flipcall_api_check(&api), -EINVAL);
	api.features = BIT_ULL(63);
	KUNIT_EXPECT_EQ(test, flipcall_api_check(&api), -EINVAL);
}

static int create_check(const struct flipcall_create *create, u64 *len,
			u32 *spin)
{
	return flipcall_create_check(create, &test_limits, len, spin);
}

static void create_check_rounds_to_pages(struct kunit *test)
{
	struct flipcall_create c = { .window_len = 1 };
	u64 len;
	u32 spin;

	KUNIT_ASSERT_EQ(test, create_check(&c, &len, &spin), 0);
	KUNIT_EXPECT_EQ(test, len, (u64)PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, spin, 0U);

	c.window_len = PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, create_check(&c, &len, &spin), 0);
	KUNIT_EXPECT_EQ(test, len, (u64)PAGE_SIZE);

	c.window_len = PAGE_SIZE + 1;
	KUNIT_ASSERT_EQ(test, create_check(&c, &len, &spin), 0);
	KUNIT_EXPECT_EQ(test, len, 2 * (u64)PAGE_SIZE);

	c.window_len = test_limits.max_window_len;
	KUNIT_ASSERT_EQ(test, create_check(&c, &len, &spin), 0);
	KUNIT_EXPECT_EQ(test, len, test_limits.max_window_len);
}

static void create_check_rejects_each_field(struct kunit *test)
{
	struct flipcall_create c;
	u64 len;
	u32 spin;
	int i;

	c = (struct flipcall_create){ .window_len = 1, .flags = 0x4 };
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);
	c.flags = BIT(31);
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);

	for (i = 0; i < ARRAY_SIZE(c.reserved); i++) {
		c = (struct flipcall_create){ .window_len = 1 };
		c.reserved[i] = 1;
		KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);
	}

	c = (struct flipcall_create){ .window_len = 1, .spin_ns = 1 };
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);

	c.flags = FLIPCALL_CREATE_SPIN;
	c.spin_ns = test_limits.max_spin_ns + 1;
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);

	c = (struct flipcall_create){ .window_len = 0 };
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);
	c.window_len = FLIPCALL_WINDOW_MAX_LEN + 1;
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);
	c.window_len = U64_MAX;
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);

	c.window_len = test_limits.max_window_len + 1;
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -E2BIG);
	c.window_len = FLIPCALL_WINDOW_MAX_LEN;
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -E2BIG);
}

/* An earlier check's EINVAL wins over a later E2BIG. */
static void create_check_order(struct kunit *test)
{
	struct flipcall_create c = {
		.window_len = test_limits.max_window_len + 1,
	};
	u64 len;
	u32 spin;

	c.reserved[3] = 1;
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);
	c.reserved[3] = 0;
	c.spin_ns = 1;
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);
	c.spin_ns = 0;
	c.flags = 0x80;
	KUNIT_EXPECT_EQ(test, create_check(&c, &len, &spin), -EINVAL);
}

static void create_check_spin_budget(struct kunit *test)
{
	struct flipcall_limits lim = test_limits;
	struct flipcall_create c = {
		.window_len = 1, .flags = FLIPCALL_CREATE_SPIN,
	};
	u64 len;
	u32 spin;

	KUNIT_ASSERT_EQ(test, create_check(&c, &len, &spin), 0);
	KUNIT_EXPECT_EQ(test, spin, test_limits.default_spin_ns);

	c.spin_ns = test_limits.max_spin_ns;
	KUNIT_ASSERT_EQ(test, create_check(&c, &len, &spin), 0);
	KUNIT_EXPECT_EQ(test, spin, test_limits.max_spin_ns);

	/* A default above the maximum is clamped, not refused. */
	c.spin_ns = 0;
	lim.default_spin_ns = lim.max_spin_ns * 2;
	KUNIT_ASSERT_EQ(test, flipcall_create_check(&c, &lim, &len, &spin), 0);
	KUNIT_EXPECT_EQ(test, spin, lim.max_spin_ns);

	c.flags |= FLIPCALL_CREATE_CLOEXEC;
	KUNIT_EXPECT_EQ(test, flipcall_create_check(&c, &lim, &len, &spin), 0);
}

static struct kunit_case flipcall_ctl_cases[] = {
	KUNIT_CASE(api_check_accepts_valid),
	KUNIT_CASE(api_check_rejects_each_field),
	KUNIT_CASE(create_check_rounds_to_pages),
	KUNIT_CASE(create_check_rejects_each_field),
	KUNIT_CASE(create_check_order),
	KUNIT_CASE(create_check_spin_budget),
	{}
};

static struct kunit_suite flipcall_ctl_suite = {
	.name = "flipcall_ctl",
	.test_cases = flipcall_ctl_cases,
};

kunit_test_suite(flipcall_ctl_suite);

/* The test module's identity; the three *_kunit.c files make it up. */
MODULE_DESCRIPTION("KUnit suites of the flipcall module");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
