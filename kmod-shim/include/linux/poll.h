/* SPDX-License-Identifier: GPL-2.0 */
/*
 * poll_wait() as in the kernel: call the poll table's queueing function,
 * which for poll(2) and epoll ends in add_wait_queue() (wait.h).
 */
#ifndef SHIM_LINUX_POLL_H
#define SHIM_LINUX_POLL_H

#include <linux/wait.h>

struct file;
struct poll_table_struct;

typedef void (*poll_queue_proc)(struct file *, struct wait_queue_head *,
				struct poll_table_struct *);

typedef struct poll_table_struct {
	poll_queue_proc _qproc;
} poll_table;

static inline void poll_wait(struct file *filp, struct wait_queue_head *wq,
			     poll_table *p)
{
	if (p && p->_qproc && wq)
		p->_qproc(filp, wq, p);
}

#endif
