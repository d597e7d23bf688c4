// SPDX-License-Identifier: GPL-2.0
/*
 * Window pages are unswappable, so they count against RLIMIT_MEMLOCK the way
 * SHM_LOCK'd and hugetlb shared memory do (mm/mlock.c, user_shm_lock()):
 * through the per-user-namespace ucounts, where a charge also lands on every
 * ancestor namespace's owner, capped there by the owner's limit when it
 * created the namespace. The uids of a user namespace therefore share one
 * budget, however many of them a user maps. CAP_IPC_LOCK (in the initial
 * namespace) lifts the limit but not the accounting.
 *
 * The kernel's inc_rlimit_ucounts() and dec_rlimit_ucounts() are not
 * exported to modules; the two walks below do the same on the same
 * counters (pages), so a window and an SHM_LOCK segment share one budget.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/sched/signal.h>
#include <linux/user_namespace.h>

#include "flipcall.h"

/*
 * The limit a namespace's creator had, in pages like the counters. The
 * kernel records it in bytes and inc_rlimit_ucounts() compares it with the
 * page counts unconverted, which leaves the ancestors' levels of an
 * SHM_LOCK charge all but unbounded; here they bind.
 */
static long flipcall_memlock_ns_max(struct user_namespace *ns)
{
	long max = get_userns_rlimit_max(ns, UCOUNT_RLIMIT_MEMLOCK);

	return max == LONG_MAX ? LONG_MAX : max >> PAGE_SHIFT;
}

static long flipcall_memlock_add(struct ucounts *ucounts, long pages)
{
	struct ucounts *iter;
	long max = LONG_MAX;
	long ret = 0;

	for (iter = ucounts; iter; iter = iter->ns->ucounts) {
		long new = atomic_long_add_return(pages,
				&iter->rlimit[UCOUNT_RLIMIT_MEMLOCK]);

		if (new < 0 || new > max)
			ret = LONG_MAX;
		else if (iter == ucounts)
			ret = new;
		max = flipcall_memlock_ns_max(iter->ns);
	}
	return ret;
}

static void flipcall_memlock_sub(struct ucounts *ucounts, long pages)
{
	struct ucounts *iter;

	for (iter = ucounts; iter; iter = iter->ns->ucounts)
		atomic_long_sub(pages, &iter->rlimit[UCOUNT_RLIMIT_MEMLOCK]);
}

/*
 * Charge @nr_pages to the caller. On success the charge holds a reference
 * on the caller's credentials (and so on their ucounts chain) until
 * flipcall_memlock_uncharge(), which may run in another task.
 */
int flipcall_memlock_charge(struct flipcall_memlock *lock,
			    unsigned long nr_pages)
{
	const struct cred *cred = current_cred();
	unsigned long limit = rlimit(RLIMIT_MEMLOCK);
	long held;

	if (nr_pages > LONG_MAX)
		return -EDQUOT;
	limit = limit == RLIM_INFINITY ? LONG_MAX : limit >> PAGE_SHIFT;
	held = flipcall_memlock_add(cred->ucounts, nr_pages);
	if ((held == LONG_MAX || held > limit) && !capable(CAP_IPC_LOCK)) {
		flipcall_memlock_sub(cred->ucounts, nr_pages);
		return -EDQUOT;
	}
	lock->cred = get_cred(cred);
	lock->nr_pages = nr_pages;
	return 0;
}

void flipcall_memlock_uncharge(struct flipcall_memlock *lock)
{
	if (!lock->cred)
		return;
	flipcall_memlock_sub(lock->cred->ucounts, lock->nr_pages);
	put_cred(lock->cred);
	lock->cred = NULL;
}
