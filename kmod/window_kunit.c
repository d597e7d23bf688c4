// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the per-user window budget and window allocation. Each case uses a
 * table of its own, so the module's real budget is never touched.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "flipcall.h"

static int user_table_init(struct kunit *test)
{
	struct flipcall_user_table *users;

	users = kunit_kzalloc(test, sizeof(*users), GFP_KERNEL);
	if (!users)
		return -ENOMEM;
	flipcall_user_table_init(users);
	test->priv = users;
	return 0;
}

static void user_table_exit(struct kunit *test)
{
	struct flipcall_user_table *users = test->priv;

	xa_destroy(&users->bytes);
}

static void user_charge_up_to_limit(struct kunit *test)
{
	struct flipcall_user_table *users = test->priv;
	kuid_t uid = KUIDT_INIT(1000);

	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, uid, 4096, 10000), 0);
	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, uid, 4096, 10000), 0);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, uid), 8192ULL);
	/* One byte over refuses and changes nothing. */
	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, uid, 1809, 10000),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, uid), 8192ULL);
	/* Exactly the limit is allowed. */
	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, uid, 1808, 10000), 0);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, uid), 10000ULL);
}

static void user_charge_per_uid(struct kunit *test)
{
	struct flipcall_user_table *users = test->priv;
	kuid_t a = KUIDT_INIT(0), b = KUIDT_INIT(4000000000U);

	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, a, 3000, 4000), 0);
	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, b, 4000, 4000), 0);
	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, a, 1001, 4000),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, a), 3000ULL);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, b), 4000ULL);
}

static void user_charge_zero_limit_and_overflow(struct kunit *test)
{
	struct flipcall_user_table *users = test->priv;
	kuid_t uid = KUIDT_INIT(7);

	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, uid, 4096, 0),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, uid, 4096, U64_MAX),
			0);
	/* held + bytes would wrap: still refused. */
	KUNIT_EXPECT_EQ(test, flipcall_user_charge(users, uid, U64_MAX, U64_MAX),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, uid), 4096ULL);
	flipcall_user_uncharge(users, uid, 4096);
}

static void user_uncharge_forgets_idle_users(struct kunit *test)
{
	struct flipcall_user_table *users = test->priv;
	kuid_t uid = KUIDT_INIT(1000);

	KUNIT_ASSERT_EQ(test, flipcall_user_charge(users, uid, 8192, 8192), 0);
	flipcall_user_uncharge(users, uid, 4096);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, uid), 4096ULL);
	KUNIT_EXPECT_FALSE(test, xa_empty(&users->bytes));
	flipcall_user_uncharge(users, uid, 4096);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, uid), 0ULL);
	KUNIT_EXPECT_TRUE(test, xa_empty(&users->bytes));
}

static void window_init_zeroed_and_charged(struct kunit *test)
{
	struct flipcall_user_table *users = test->priv;
	struct flipcall_window win = {};
	kuid_t uid = KUIDT_INIT(42);
	unsigned long i;

	KUNIT_ASSERT_EQ(test, flipcall_window_init(&win, users, uid,
						   3 * PAGE_SIZE, 3 * PAGE_SIZE),
			0);
	KUNIT_EXPECT_EQ(test, win.nr_pages, 3UL);
	KUNIT_EXPECT_EQ(test, flipcall_window_len(&win), 3ULL * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, flipcall_window_capacity(&win),
			3ULL * PAGE_SIZE - FLIPCALL_PACKET_HEADER_BYTES);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, uid),
			3ULL * PAGE_SIZE);
	for (i = 0; i < win.nr_pages; i++)
		KUNIT_EXPECT_NULL(test, memchr_inv(page_address(win.pages[i]),
						   0, PAGE_SIZE));
	KUNIT_EXPECT_PTR_EQ(test, (void *)flipcall_window_header(&win),
			    page_address(win.pages[0]));

	flipcall_window_destroy(&win);
	KUNIT_EXPECT_NULL(test, win.pages);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, uid), 0ULL);
}

static void window_init_over_budget(struct kunit *test)
{
	struct flipcall_user_table *users = test->priv;
	struct flipcall_window win = {};
	kuid_t uid = KUIDT_INIT(42);

	KUNIT_EXPECT_EQ(test, flipcall_window_init(&win, users, uid,
						   2 * PAGE_SIZE, PAGE_SIZE),
			-EDQUOT);
	KUNIT_EXPECT_NULL(test, win.pages);
	KUNIT_EXPECT_EQ(test, flipcall_user_bytes(users, uid), 0ULL);
}

static struct kunit_case flipcall_window_cases[] = {
	KUNIT_CASE(user_charge_up_to_limit),
	KUNIT_CASE(user_charge_per_uid),
	KUNIT_CASE(user_charge_zero_limit_and_overflow),
	KUNIT_CASE(user_uncharge_forgets_idle_users),
	KUNIT_CASE(window_init_zeroed_and_charged),
	KUNIT_CASE(window_init_over_budget),
	{}
};

static struct kunit_suite flipcall_window_suite = {
	.name = "flipcall_window",
	.init = user_table_init,
	.exit = user_table_exit,
	.test_cases = flipcall_window_cases,
};

kunit_test_suite(flipcall_window_suite);
