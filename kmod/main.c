// SPDX-License-Identifier: GPL-2.0
/*
 * flipcall: the control device /dev/flipcall, its ioctls (API handshake and
 * connection creation) and the module parameters bounding what users may
 * allocate.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "flipcall.h"

/* A module parameter with the range a write to it must stay within. */
struct flipcall_param {
	u64 value;
	u64 min;
	u64 max;
};

static int flipcall_param_set(const char *val, const struct kernel_param *kp)
{
	struct flipcall_param *param = kp->arg;
	u64 value;
	int ret;

	ret = kstrtou64(val, 0, &value);
	if (ret)
		return ret;
	if (value < param->min || value > param->max)
		return -ERANGE;
	WRITE_ONCE(param->value, value);
	return 0;
}

static int flipcall_param_get(char *buf, const struct kernel_param *kp)
{
	const struct flipcall_param *param = kp->arg;

	return sysfs_emit(buf, "%llu\n", READ_ONCE(param->value));
}

static const struct kernel_param_ops flipcall_param_ops = {
	.set	= flipcall_param_set,
	.get	= flipcall_param_get,
};

/* A spin longer than this only burns the CPU the peer may need. */
#define FLIPCALL_SPIN_NS_LIMIT	(10 * NSEC_PER_MSEC)

static struct flipcall_param max_window_len = {
	.value = 64ULL << 20, .min = PAGE_SIZE,
	.max = FLIPCALL_WINDOW_MAX_LEN & PAGE_MASK,
};
module_param_cb(max_window_len, &flipcall_param_ops, &max_window_len, 0644);
MODULE_PARM_DESC(max_window_len, "Largest window one CREATE may ask for (bytes)");

static struct flipcall_param user_limit = {
	.value = 256ULL << 20, .min = 0, .max = U64_MAX,
};
module_param_cb(user_limit, &flipcall_param_ops, &user_limit, 0644);
MODULE_PARM_DESC(user_limit, "Window bytes one uid may hold at once");

static struct flipcall_param default_spin_ns = {
	.value = 10000, .min = 0, .max = FLIPCALL_SPIN_NS_LIMIT,
};
module_param_cb(default_spin_ns, &flipcall_param_ops, &default_spin_ns, 0644);
MODULE_PARM_DESC(default_spin_ns, "Spin budget of a SPIN connection asking for 0 (ns)");

static struct flipcall_param max_spin_ns = {
	.value = 100000, .min = 0, .max = FLIPCALL_SPIN_NS_LIMIT,
};
module_param_cb(max_spin_ns, &flipcall_param_ops, &max_spin_ns, 0644);
MODULE_PARM_DESC(max_spin_ns, "Largest spin budget a connection may ask for (ns)");

/*
 * The mode devtmpfs gives /dev/flipcall. A distribution that grants the
 * device to a group (udev rule) loads the module with 0660 so the node is
 * never world-accessible, not even before udev has run.
 */
static ushort dev_mode = 0666;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permission bits of /dev/flipcall at creation (default 0666)");

void flipcall_limits_read(struct flipcall_limits *lim)
{
	lim->max_window_len = READ_ONCE(max_window_len.value);
	lim->user_limit = READ_ONCE(user_limit.value);
	lim->default_spin_ns = READ_ONCE(default_spin_ns.value);
	lim->max_spin_ns = READ_ONCE(max_spin_ns.value);
}

/* The argument checks of API, in Documentation/uapi.rst's order. */
int flipcall_api_check(const struct flipcall_api *api)
{
	if (api->api != FLIPCALL_API)
		return -EINVAL;
	if (api->flags)
		return -EINVAL;
	if (memchr_inv(api->reserved, 0, sizeof(api->reserved)))
		return -EINVAL;
	if (api->features & ~FLIPCALL_FEATURES)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_api_check);

/* The ioctls bitmap has a bit for every possible command number. */
static void flipcall_api_set_ioctl(struct flipcall_api *api, unsigned int cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	BUILD_BUG_ON(sizeof(api->ioctls) * BITS_PER_BYTE < 1U << _IOC_NRBITS);
	api->ioctls[nr / 64] |= BIT_ULL(nr % 64);
}

static long flipcall_ioc_api(struct flipcall_api __user *uarg)
{
	struct flipcall_limits lim;
	struct flipcall_api api;
	int ret;

	if (copy_from_user(&api, uarg, sizeof(api)))
		return -EFAULT;
	ret = flipcall_api_check(&api);
	if (ret)
		return ret;

	flipcall_limits_read(&lim);
	api.features = FLIPCALL_FEATURES;
	memset(api.ioctls, 0, sizeof(api.ioctls));
	flipcall_api_set_ioctl(&api, FLIPCALL_IOC_API);
	flipcall_api_set_ioctl(&api, FLIPCALL_IOC_CREATE);
	flipcall_api_set_ioctl(&api, FLIPCALL_IOC_HANDOFF);
	flipcall_api_set_ioctl(&api, FLIPCALL_IOC_SHUTDOWN);
	flipcall_api_set_ioctl(&api, FLIPCALL_IOC_INFO);
	api.max_window_len = lim.max_window_len;
	api.user_limit = lim.user_limit;
	if (copy_to_user(uarg, &api, sizeof(api)))
		return -EFAULT;
	return 0;
}

/*
 * The argument checks of CREATE, in Documentation/uapi.rst's order. On
 * success @window_len is the page-rounded length and @spin_ns the
 * connection's spin budget (0: no spinning).
 */
int flipcall_create_check(const struct flipcall_create *create,
			  const struct flipcall_limits *lim,
			  u64 *window_len, u32 *spin_ns)
{
	bool spin = create->flags & FLIPCALL_CREATE_SPIN;

	if (create->flags & ~FLIPCALL_CREATE_FLAGS)
		return -EINVAL;
	if (memchr_inv(create->reserved, 0, sizeof(create->reserved)))
		return -EINVAL;
	if (create->spin_ns && !spin)
		return -EINVAL;
	if (create->spin_ns > lim->max_spin_ns)
		return -EINVAL;
	if (!create->window_len || create->window_len > FLIPCALL_WINDOW_MAX_LEN)
		return -EINVAL;
	*window_len = PAGE_ALIGN(create->window_len);
	if (*window_len > lim->max_window_len)
		return -E2BIG;

	*spin_ns = 0;
	if (spin)
		*spin_ns = create->spin_ns ?:
			   min(lim->default_spin_ns, lim->max_spin_ns);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(flipcall_create_check);

static long flipcall_ioc_create(struct flipcall_create __user *uarg)
{
	struct flipcall_create create;
	struct flipcall_limits lim;
	struct flipcall_conn *conn;
	struct file *client, *server;
	int client_fd, server_fd;
	u64 window_len;
	u32 spin_ns;
	int fd_flags;
	int ret;

	if (copy_from_user(&create, uarg, sizeof(create)))
		return -EFAULT;
	/*
	 * Read-only memory fails here, before anything is allocated or a
	 * connection id used up; the final copy-out still precedes
	 * fd_install() for memory that goes away meanwhile.
	 */
	if (copy_to_user(uarg, &create, sizeof(create)))
		return -EFAULT;
	flipcall_limits_read(&lim);
	ret = flipcall_create_check(&create, &lim, &window_len, &spin_ns);
	if (ret)
		return ret;

	conn = flipcall_conn_create(window_len, spin_ns, lim.user_limit);
	if (IS_ERR(conn))
		return PTR_ERR(conn);

	fd_flags = create.flags & FLIPCALL_CREATE_CLOEXEC ? O_CLOEXEC : 0;
	client_fd = get_unused_fd_flags(fd_flags);
	if (client_fd < 0) {
		ret = client_fd;
		goto put_conn;
	}
	server_fd = get_unused_fd_flags(fd_flags);
	if (server_fd < 0) {
		ret = server_fd;
		goto put_client_fd;
	}
	client = flipcall_endpoint_file(conn, FLIPCALL_SIDE_CLIENT);
	if (IS_ERR(client)) {
		ret = PTR_ERR(client);
		goto put_server_fd;
	}
	server = flipcall_endpoint_file(conn, FLIPCALL_SIDE_SERVER);
	if (IS_ERR(server)) {
		ret = PTR_ERR(server);
		goto put_client;
	}

	create.window_len = window_len;
	create.client_fd = client_fd;
	create.server_fd = server_fd;
	create.conn_id = conn->id;
	if (copy_to_user(uarg, &create, sizeof(create))) {
		ret = -EFAULT;
		goto put_server;
	}

	/* Past the point of no return: the fds become visible. */
	fd_install(client_fd, client);
	fd_install(server_fd, server);
	flipcall_conn_put(conn);
	return 0;

put_server:
	fput(server);
put_client:
	fput(client);
put_server_fd:
	put_unused_fd(server_fd);
put_client_fd:
	put_unused_fd(client_fd);
put_conn:
	flipcall_conn_put(conn);
	return ret;
}

static long flipcall_ctl_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	switch (cmd) {
	case FLIPCALL_IOC_API:
		return flipcall_ioc_api((void __user *)arg);
	case FLIPCALL_IOC_CREATE:
		return flipcall_ioc_create((void __user *)arg);
	}
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
	int ret;

	if (dev_mode & ~0777) {
		pr_err("flipcall: dev_mode %#o has bits outside 0777\n", dev_mode);
		return -EINVAL;
	}
	flipcall_misc.mode = dev_mode;
	ret = flipcall_winfs_init();
	if (ret)
		return ret;
	ret = flipcall_netlink_init();
	if (ret)
		goto winfs_exit;
	ret = misc_register(&flipcall_misc);
	if (ret)
		goto netlink_exit;
	return 0;

netlink_exit:
	flipcall_netlink_exit();
winfs_exit:
	flipcall_winfs_exit();
	return ret;
}

static void __exit flipcall_exit(void)
{
	misc_deregister(&flipcall_misc);
	flipcall_netlink_exit();
	flipcall_winfs_exit();
}

module_init(flipcall_init);
module_exit(flipcall_exit);
MODULE_DESCRIPTION("flipcall: synchronous hand-off IPC through shared packet windows");
MODULE_LICENSE("GPL");
