// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoint files: one anonymous-inode file per side of a connection. Each
 * holds a reference on the connection; releasing one ends the connection
 * (the peer's waiters wake with ECONNRESET at once) while the window lives
 * on for as long as it is mapped. Mappings hold the window's own file
 * (winfs.c), never an endpoint's, so they cannot delay that release.
 */
#include <linux/anon_inodes.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "flipcall.h"
#include "handoff_order.h"

/*
 * The argument is read, and its output field shown to be writable, before
 * anything happens: read-only or unmapped memory fails with EFAULT without
 * a pass (flipcall_handoff() covers memory that goes away meanwhile). One
 * user-access section does both: this runs twice per round trip, and a
 * copy_from_user() plus a put_user() cost it about 60 instructions more.
 */
static long flipcall_ep_handoff(struct file *file,
				struct flipcall_handoff __user *uarg)
{
	struct flipcall_endpoint *ep = file->private_data;
	struct flipcall_handoff arg;
	bool nonblock;

	if (!user_access_begin(uarg, sizeof(*uarg)))
		return -EFAULT;
	unsafe_get_user(arg.op, &uarg->op, efault);
	unsafe_get_user(arg.flags, &uarg->flags, efault);
	unsafe_get_user(arg.send_len, &uarg->send_len, efault);
	unsafe_get_user(arg.recv_len, &uarg->recv_len, efault);
	unsafe_get_user(arg.reserved, &uarg->reserved, efault);
	unsafe_put_user(arg.recv_len, &uarg->recv_len, efault);
	user_access_end();

	nonblock = (arg.flags & FLIPCALL_HANDOFF_NONBLOCK) ||
		   (file->f_flags & O_NONBLOCK);
	return flipcall_handoff(ep, &arg, nonblock, &uarg->recv_len);
efault:
	user_access_end();
	return -EFAULT;
}

/*
 * Writes every byte of @info, whatever it held: it goes to userspace. A
 * separate function so that KUnit can hand it a poisoned buffer.
 */
void flipcall_ep_info_fill(struct flipcall_endpoint *ep,
			   struct flipcall_endpoint_info *info)
{
	struct flipcall_conn *conn = ep->conn;
	u32 cs = atomic_read(&conn->state);

	*info = (struct flipcall_endpoint_info){
		.conn_id	= conn->id,
		.window_len	= flipcall_window_len(&conn->window),
		.side		= ep->side,
		.state		= flipcall_info_state(cs),
		.end_reason	= flipcall_cs_end(cs),
		.spin_ns	= conn->spin_ns,
	};
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_ep_info_fill);

static long flipcall_ep_info(struct flipcall_endpoint *ep,
			     struct flipcall_endpoint_info __user *uarg)
{
	struct flipcall_endpoint_info info;

	flipcall_ep_info_fill(ep, &info);
	if (copy_to_user(uarg, &info, sizeof(info)))
		return -EFAULT;
	flipcall_ep_note_user(ep);
	return 0;
}

static long flipcall_ep_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	struct flipcall_endpoint *ep = file->private_data;

	/* Twice per round trip: tested first, whatever order the switch has. */
	if (likely(cmd == FLIPCALL_IOC_HANDOFF))
		return flipcall_ep_handoff(file, (void __user *)arg);
	switch (cmd) {
	case FLIPCALL_IOC_SHUTDOWN:
		flipcall_ep_note_user(ep);
		flipcall_conn_end(ep->conn, ep->side == FLIPCALL_SIDE_CLIENT ?
				  FLIPCALL_END_SHUTDOWN_CLIENT :
				  FLIPCALL_END_SHUTDOWN_SERVER);
		return 0;
	case FLIPCALL_IOC_INFO:
		return flipcall_ep_info(ep, (void __user *)arg);
	}
	return -ENOTTY;
}

static int flipcall_ep_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct flipcall_endpoint *ep = file->private_data;
	struct flipcall_conn *conn = ep->conn;
	unsigned long nr_pages = conn->window.nr_pages;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	if (vma->vm_pgoff >= nr_pages || vma_pages(vma) > nr_pages - vma->vm_pgoff)
		return -EINVAL;

	/*
	 * No mprotect(PROT_EXEC) later, no mremap() growing past the window.
	 * The pages are inserted as raw pfns, so nothing can take references
	 * on them past the window's life (vmsplice, O_DIRECT and the rest of
	 * get_user_pages() fail with EFAULT): their memlock charge ends
	 * exactly when they are freed.
	 */
	vma->vm_flags &= ~VM_MAYEXEC;
	vma->vm_flags |= VM_DONTEXPAND | VM_PFNMAP | VM_DONTDUMP;
	vma->vm_ops = &flipcall_vm_ops;
	/*
	 * The mapping holds the window's file, not this endpoint's, so the
	 * last close of the endpoint still ends the connection.
	 */
	vma_set_file(vma, conn->window_file);
	vma->vm_private_data = conn;
	flipcall_conn_get(conn);
	flipcall_ep_note_user(ep);
	return 0;
}

static __poll_t flipcall_ep_poll(struct file *file, poll_table *wait)
{
	struct flipcall_endpoint *ep = file->private_data;
	int cs = flipcall_poll_queue_then_read(file, &ep->wq, wait,
					       &ep->conn->state);

	return flipcall_poll_mask(cs, ep->side);
}

static const char *flipcall_state_name(u32 cs)
{
	switch (flipcall_end_errno(flipcall_cs_end(cs))) {
	case -ESHUTDOWN:
		return "shutdown";
	case -ECONNRESET:
		return "peer-gone";
	}
	return flipcall_cs_active(cs) == FLIPCALL_SIDE_CLIENT ?
	       "client-active" : "server-active";
}

static const char *const flipcall_end_names[] = {
	[FLIPCALL_END_NONE]		= "none",
	[FLIPCALL_END_SHUTDOWN_CLIENT]	= "shutdown-client",
	[FLIPCALL_END_SHUTDOWN_SERVER]	= "shutdown-server",
	[FLIPCALL_END_CLIENT_GONE]	= "client-gone",
	[FLIPCALL_END_SERVER_GONE]	= "server-gone",
};

static void flipcall_ep_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct flipcall_endpoint *ep = file->private_data;
	struct flipcall_conn *conn = ep->conn;
	u32 cs = atomic_read(&conn->state);

	seq_printf(m, "flipcall-conn:\t%llu\n", conn->id);
	seq_printf(m, "flipcall-side:\t%s\n",
		   ep->side == FLIPCALL_SIDE_CLIENT ? "client" : "server");
	seq_printf(m, "flipcall-window-len:\t%llu\n",
		   flipcall_window_len(&conn->window));
	seq_printf(m, "flipcall-state:\t%s\n", flipcall_state_name(cs));
	seq_printf(m, "flipcall-end:\t%s\n",
		   flipcall_end_names[flipcall_cs_end(cs)]);
	seq_printf(m, "flipcall-handoffs:\t%llu\n",
		   flipcall_stat_read(&ep->stats.handoffs));
	seq_printf(m, "flipcall-sleeps:\t%llu\n", flipcall_stat_read(&ep->stats.sleeps));
	seq_printf(m, "flipcall-spin-hits:\t%llu\n",
		   flipcall_stat_read(&ep->stats.spin_hits));
	seq_printf(m, "flipcall-wakes:\t%llu\n", flipcall_stat_read(&ep->stats.wakes));
	seq_printf(m, "flipcall-wakes-same-cpu:\t%llu\n",
		   flipcall_stat_read(&ep->stats.wakes_same_cpu));
}

/*
 * The last reference to this side is gone (close, exit, or the last
 * SCM_RIGHTS copy dropped): nobody is inside an ioctl on it, and the peer
 * must not wait for it any longer.
 */
static int flipcall_ep_release(struct inode *inode, struct file *file)
{
	struct flipcall_endpoint *ep = file->private_data;

	flipcall_conn_end(ep->conn, ep->side == FLIPCALL_SIDE_CLIENT ?
			  FLIPCALL_END_CLIENT_GONE : FLIPCALL_END_SERVER_GONE);
	flipcall_conn_put(ep->conn);
	return 0;
}

static const struct file_operations flipcall_ep_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= flipcall_ep_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= flipcall_ep_mmap,
	.poll		= flipcall_ep_poll,
	.show_fdinfo	= flipcall_ep_show_fdinfo,
	.release	= flipcall_ep_release,
};

/* A new file for @side of @conn, holding its own reference on @conn. */
struct file *flipcall_endpoint_file(struct flipcall_conn *conn, u32 side)
{
	struct file *file;

	file = anon_inode_getfile("[flipcall]", &flipcall_ep_fops,
				  &conn->ep[side], O_RDWR);
	if (!IS_ERR(file))
		flipcall_conn_get(conn);
	return file;
}
