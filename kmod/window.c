// SPDX-License-Identifier: GPL-2.0
/*
 * Packet windows: zeroed pages charged to the creator's memory cgroup, to
 * the creator's RLIMIT_MEMLOCK (memlock.c) and to the creating uid's
 * flipcall budget, mapped into both peers as raw pfns by a fault handler.
 * The mappings hold the connection, so the pages outlive the endpoint files
 * for as long as anything maps them, and nothing else can hold them.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "flipcall.h"

struct flipcall_user_table flipcall_users = {
	.lock	= __MUTEX_INITIALIZER(flipcall_users.lock),
	.bytes	= XARRAY_INIT(flipcall_users.bytes, 0),
};
EXPORT_SYMBOL_IF_KUNIT(flipcall_users);

void flipcall_user_table_init(struct flipcall_user_table *users)
{
	mutex_init(&users->lock);
	xa_init(&users->bytes);
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_user_table_init);

static unsigned long flipcall_uid_index(kuid_t uid)
{
	return from_kuid(&init_user_ns, uid);
}

u64 flipcall_user_bytes(struct flipcall_user_table *users, kuid_t uid)
{
	void *entry;
	u64 bytes;

	entry = xa_load(&users->bytes, flipcall_uid_index(uid));
	bytes = entry ? xa_to_value(entry) : 0;
	return bytes;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_user_bytes);

/*
 * Only CREATE and the final release of a window get here, never a hand-off,
 * so a mutex around a uid-indexed xarray is plenty. Byte counts fit an
 * xarray value entry: they never exceed the sum of live windows.
 */
int flipcall_user_charge(struct flipcall_user_table *users, kuid_t uid,
			 u64 bytes, u64 limit)
{
	unsigned long index = flipcall_uid_index(uid);
	void *entry;
	u64 held;
	int ret = 0;

	mutex_lock(&users->lock);
	entry = xa_load(&users->bytes, index);
	held = entry ? xa_to_value(entry) : 0;
	if (bytes > limit || held > limit - bytes) {
		ret = -EDQUOT;
		goto unlock;
	}
	ret = xa_err(xa_store(&users->bytes, index,
			      xa_mk_value(held + bytes), GFP_KERNEL_ACCOUNT));
unlock:
	mutex_unlock(&users->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_user_charge);

void flipcall_user_uncharge(struct flipcall_user_table *users, kuid_t uid,
			    u64 bytes)
{
	unsigned long index = flipcall_uid_index(uid);
	void *entry;
	u64 held;

	mutex_lock(&users->lock);
	entry = xa_load(&users->bytes, index);
	held = entry ? xa_to_value(entry) : 0;
	if (held <= bytes)
		xa_erase(&users->bytes, index);
	else
		/* Replacing a present entry never allocates, so cannot fail. */
		xa_store(&users->bytes, index, xa_mk_value(held - bytes),
			 GFP_KERNEL);
	mutex_unlock(&users->lock);
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_user_uncharge);

static void flipcall_window_free_pages(struct flipcall_window *win,
				       unsigned long nr_pages)
{
	while (nr_pages)
		__free_page(win->pages[--nr_pages]);
	kvfree(win->pages);
	win->pages = NULL;
	win->header = NULL;
}

/*
 * A user asks for window memory, so running out of it (globally or in the
 * caller's memory cgroup) must fail CREATE with ENOMEM: no OOM kill, no
 * allocation-failure splat in the kernel log.
 */
#define FLIPCALL_WINDOW_GFP \
	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/*
 * @len must already be page aligned and within the module's limits
 * (flipcall_create_check()). The pages are allocated up front so that
 * CREATE, not a later page fault, reports a memory shortage.
 */
int flipcall_window_init(struct flipcall_window *win,
			 struct flipcall_user_table *users, kuid_t uid,
			 u64 len, u64 user_limit)
{
	unsigned long nr_pages = len >> PAGE_SHIFT;
	unsigned long i;
	int ret;

	ret = flipcall_user_charge(users, uid, len, user_limit);
	if (ret)
		return ret;
	ret = flipcall_memlock_charge(&win->memlock, nr_pages);
	if (ret)
		goto user_uncharge;

	win->users = users;
	win->uid = uid;
	win->nr_pages = nr_pages;
	win->pages = kvmalloc_array(nr_pages, sizeof(*win->pages),
				    FLIPCALL_WINDOW_GFP);
	if (!win->pages) {
		ret = -ENOMEM;
		goto uncharge;
	}
	for (i = 0; i < nr_pages; i++) {
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			goto free_pages;
		}
		win->pages[i] = alloc_page(FLIPCALL_WINDOW_GFP | __GFP_ZERO);
		if (!win->pages[i]) {
			ret = -ENOMEM;
			goto free_pages;
		}
		cond_resched();
	}
	win->header = page_address(win->pages[0]);
	return 0;

free_pages:
	flipcall_window_free_pages(win, i);
uncharge:
	flipcall_memlock_uncharge(&win->memlock);
user_uncharge:
	flipcall_user_uncharge(users, uid, len);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_window_init);

void flipcall_window_destroy(struct flipcall_window *win)
{
	u64 len = flipcall_window_len(win);

	flipcall_window_free_pages(win, win->nr_pages);
	flipcall_memlock_uncharge(&win->memlock);
	flipcall_user_uncharge(win->users, win->uid, len);
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_window_destroy);

/* Every VMA (also split, moved or forked copies) holds the connection. */
static void flipcall_vm_open(struct vm_area_struct *vma)
{
	flipcall_conn_get(vma->vm_private_data);
}

static void flipcall_vm_close(struct vm_area_struct *vma)
{
	flipcall_conn_put(vma->vm_private_data);
}

static vm_fault_t flipcall_vm_fault(struct vm_fault *vmf)
{
	struct flipcall_conn *conn = vmf->vma->vm_private_data;

	/* mmap checked the range and VM_DONTEXPAND keeps it; stay safe. */
	if (vmf->pgoff >= conn->window.nr_pages)
		return VM_FAULT_SIGBUS;
	return vmf_insert_pfn(vmf->vma, vmf->address,
			      page_to_pfn(conn->window.pages[vmf->pgoff]));
}

const struct vm_operations_struct flipcall_vm_ops = {
	.open	= flipcall_vm_open,
	.close	= flipcall_vm_close,
	.fault	= flipcall_vm_fault,
};
