/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A wait queue as the kernel's x86-64 build has it, reduced to what the
 * poll/pass pairing touches: a spinlock taken with a locked cmpxchg and
 * released with a plain byte store (the queued spinlock's fast paths, plus
 * the pushf/popf of the irqsave variants), a doubly linked list updated
 * with plain stores, and waitqueue_active(): one load of the list head. Nobody sleeps here; a "sleeper" is an entry on the list.
 */
#ifndef SHIM_LINUX_WAIT_H
#define SHIM_LINUX_WAIT_H

#include <linux/atomic.h>

struct list_head {
	struct list_head *next, *prev;
};

typedef struct {
	unsigned char locked;
} spinlock_t;

struct wait_queue_head {
	spinlock_t lock;
	struct list_head head;
};

typedef struct wait_queue_head wait_queue_head_t;

struct wait_queue_entry {
	struct list_head entry;
};

static inline unsigned long shim_spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags;
	unsigned char unlocked;

	__asm__ __volatile__("pushfq; popq %0" : "=r"(flags) : : "memory");
	for (;;) {
		unlocked = 0;
		if (__atomic_compare_exchange_n(&lock->locked, &unlocked, 1,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return flags;
		while (READ_ONCE(lock->locked))
			__builtin_ia32_pause();
	}
}

/* smp_store_release() on x86: a compiler barrier and a plain store. */
static inline void shim_spin_unlock_irqrestore(spinlock_t *lock,
					       unsigned long flags)
{
	barrier();
	WRITE_ONCE(lock->locked, 0);
	__asm__ __volatile__("pushq %0; popfq" : : "r"(flags) : "memory", "cc");
}

static inline void init_waitqueue_head(struct wait_queue_head *wq)
{
	wq->lock.locked = 0;
	wq->head.next = &wq->head;
	wq->head.prev = &wq->head;
}

static inline void shim_list_add(struct list_head *new, struct list_head *head)
{
	struct list_head *next = head->next;

	next->prev = new;
	new->next = next;
	new->prev = head;
	WRITE_ONCE(head->next, new);
}

static inline void shim_list_del(struct list_head *entry)
{
	entry->next->prev = entry->prev;
	WRITE_ONCE(entry->prev->next, entry->next);
}

/* add_wait_queue() / remove_wait_queue() */
static inline void add_wait_queue(struct wait_queue_head *wq,
				  struct wait_queue_entry *wait)
{
	unsigned long flags = shim_spin_lock_irqsave(&wq->lock);

	shim_list_add(&wait->entry, &wq->head);
	shim_spin_unlock_irqrestore(&wq->lock, flags);
}

static inline void remove_wait_queue(struct wait_queue_head *wq,
				     struct wait_queue_entry *wait)
{
	unsigned long flags = shim_spin_lock_irqsave(&wq->lock);

	shim_list_del(&wait->entry);
	shim_spin_unlock_irqrestore(&wq->lock, flags);
}

static inline bool waitqueue_active(struct wait_queue_head *wq)
{
	return READ_ONCE(wq->head.next) != &wq->head;
}

#endif
