// SPDX-License-Identifier: GPL-2.0
/*
 * Window files: every mapping of a packet window holds a file of its own
 * with a private inode on a small pseudo filesystem, never the endpoint's
 * file. So closing the last fd of an endpoint releases it (and ends the
 * connection) while the window stays mapped, and mmaps of different windows
 * do not contend on one shared anonymous inode's i_mmap_rwsem.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>

#include "flipcall.h"

#define FLIPCALL_FS_MAGIC	0x666c6970	/* "flip" */

static struct vfsmount *flipcall_mnt;

static int flipcall_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, FLIPCALL_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type flipcall_fs_type = {
	.name			= "flipcall",
	.init_fs_context	= flipcall_fs_init_fs_context,
	.kill_sb		= kill_anon_super,
};

/* Pins the module: the mappings' vm_ops live in it. */
static const struct file_operations flipcall_window_fops = {
	.owner	= THIS_MODULE,
};

int flipcall_winfs_init(void)
{
	flipcall_mnt = kern_mount(&flipcall_fs_type);
	return PTR_ERR_OR_ZERO(flipcall_mnt);
}

void flipcall_winfs_exit(void)
{
	kern_unmount(flipcall_mnt);
}

/* A new window file; mmap installs it in each VMA with vma_set_file(). */
struct file *flipcall_window_file(void)
{
	struct inode *inode;
	struct file *file;

	inode = alloc_anon_inode(flipcall_mnt->mnt_sb);
	if (IS_ERR(inode))
		return ERR_CAST(inode);
	__module_get(THIS_MODULE);
	file = alloc_file_pseudo(inode, flipcall_mnt, "flipcall-window",
				 O_RDWR, &flipcall_window_fops);
	if (IS_ERR(file)) {
		iput(inode);
		module_put(THIS_MODULE);
	}
	return file;
}
