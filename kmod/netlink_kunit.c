// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: STATS_GET never waits for the budget table's mutex, which CREATE
 * and every final release of a window take, so a loop of STATS_GET cannot
 * hold them up (issue 13, item 8). The reply is built on a kthread while
 * the test holds that mutex: it must finish before the mutex is released.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <net/netlink.h>

#include "flipcall.h"

/* A uid no process in the test VM runs as, charged only by this test. */
#define STATS_TEST_UID		0x7ffffff3U
#define STATS_TEST_BYTES	(3 * (u64)PAGE_SIZE)

/*
 * Only a stats path that takes the mutex runs into this bound; a right one
 * finishes in microseconds, and the bound leaves a slow, loaded TCG guest
 * plenty of room (and stays under the 60 s hung-task timeout).
 */
#define STATS_TEST_WAIT		(20 * HZ)

struct stats_fill {
	struct sk_buff *skb;
	int ret;
	struct completion done;
};

static int stats_fill_thread(void *data)
{
	struct stats_fill *fill = data;

	fill->ret = flipcall_nl_stats_fill(fill->skb,
					   KUIDT_INIT(STATS_TEST_UID));
	kthread_complete_and_exit(&fill->done, 0);
}

/* The window bytes the reply gives @uid, or U64_MAX without a nest. */
static u64 stats_user_bytes(const struct sk_buff *skb, u32 uid)
{
	struct nlattr *nest, *attr;
	int rem, nest_rem;
	bool match;
	u64 bytes;

	nla_for_each_attr(nest, (struct nlattr *)skb->data, skb->len, rem) {
		if (nla_type(nest) != FLIPCALL_A_STATS_USER)
			continue;
		match = false;
		bytes = 0;
		nla_for_each_nested(attr, nest, nest_rem) {
			if (nla_type(attr) == FLIPCALL_A_USER_UID)
				match = nla_get_u32(attr) == uid;
			else if (nla_type(attr) == FLIPCALL_A_USER_WINDOW_BYTES)
				bytes = nla_get_u64(attr);
		}
		if (match)
			return bytes;
	}
	return U64_MAX;
}

static void stats_get_never_waits_for_the_budget_lock(struct kunit *test)
{
	struct flipcall_user_table *users = &flipcall_users;
	kuid_t uid = KUIDT_INIT(STATS_TEST_UID);
	struct stats_fill fill = { .ret = -EINPROGRESS };
	struct task_struct *task;
	unsigned long left;

	init_completion(&fill.done);
	KUNIT_ASSERT_EQ(test, flipcall_user_charge(users, uid, STATS_TEST_BYTES,
						   STATS_TEST_BYTES), 0);
	fill.skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!fill.skb) {
		KUNIT_FAIL(test, "nlmsg_new failed");
		goto uncharge;
	}

	mutex_lock(&users->lock);
	task = kthread_run(stats_fill_thread, &fill, "flipcall-stats-kunit");
	if (IS_ERR(task)) {
		mutex_unlock(&users->lock);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		goto uncharge;
	}
	left = wait_for_completion_timeout(&fill.done, STATS_TEST_WAIT);
	mutex_unlock(&users->lock);
	/* A stats path that takes the mutex gets it only now. */
	if (!left)
		wait_for_completion(&fill.done);

	KUNIT_EXPECT_NE_MSG(test, left, 0UL,
			    "STATS_GET waited for the mutex CREATE and release take");
	KUNIT_EXPECT_EQ(test, fill.ret, 0);
	KUNIT_EXPECT_EQ(test, stats_user_bytes(fill.skb, STATS_TEST_UID),
			STATS_TEST_BYTES);
uncharge:
	flipcall_user_uncharge(users, uid, STATS_TEST_BYTES);
	kfree_skb(fill.skb);
}

static struct kunit_case flipcall_netlink_cases[] = {
	KUNIT_CASE(stats_get_never_waits_for_the_budget_lock),
	{}
};

static struct kunit_suite flipcall_netlink_suite = {
	.name = "flipcall_netlink",
	.test_cases = flipcall_netlink_cases,
};

kunit_test_suite(flipcall_netlink_suite);
