// SPDX-License-Identifier: GPL-2.0
/*
 * flipcall: misc device /dev/flipcall.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <linux/flipcall.h>

static long flipcall_ctl_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	return -ENOTTY;
}

static const struct file_operations flipcall_ctl_fops = {
	.owner		= THIS_MODULE,
	.unlocked_ioctl	= flipcall_ctl_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice flipcall_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "flipcall",
	.fops	= &flipcall_ctl_fops,
	.mode	= 0666,
};

static int __init flipcall_init(void)
{
	return misc_register(&flipcall_misc);
}

static void __exit flipcall_exit(void)
{
	misc_deregister(&flipcall_misc);
}

module_init(flipcall_init);
module_exit(flipcall_exit);
MODULE_DESCRIPTION("flipcall: synchronous hand-off IPC through shared packet windows");
MODULE_LICENSE("GPL");
