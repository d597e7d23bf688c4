// SPDX-License-Identifier: LGPL-2.1-or-later
/* /dev/flipcall connections and endpoint fd identification. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <flipcall/flipcall.h>

#include "export.h"

FLIPCALL_EXPORT int flipcall_device_info(int fd,
					 struct flipcall_endpoint_info *info)
{
	struct flipcall_endpoint_info tmp;

	if (fd < 0)
		return -EBADF;
	if (ioctl(fd, FLIPCALL_IOC_INFO, info ? info : &tmp) < 0)
		return -errno;
	return 0;
}

FLIPCALL_EXPORT int flipcall_device_create(uint64_t window_len,
					   unsigned int flags, uint32_t spin_ns,
					   struct flipcall_window *client,
					   struct flipcall_window *server)
{
	struct flipcall_create create;
	int dev, err = 0;

	if (!client || !server || (flags & ~FLIPCALL_DEVICE_SPIN))
		return -EINVAL;
	if (spin_ns && !(flags & FLIPCALL_DEVICE_SPIN))
		return -EINVAL;
	memset(&create, 0, sizeof(create));
	create.window_len = window_len;
	create.flags = FLIPCALL_CREATE_CLOEXEC;
	if (flags & FLIPCALL_DEVICE_SPIN)
		create.flags |= FLIPCALL_CREATE_SPIN;
	create.spin_ns = spin_ns;

	dev = open(FLIPCALL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0)
		return -errno;
	if (ioctl(dev, FLIPCALL_IOC_CREATE, &create) < 0)
		err = -errno;
	close(dev);
	if (err)
		return err;
	client->fd = create.client_fd;
	server->fd = create.server_fd;
	client->offset = server->offset = 0;
	client->length = server->length = create.window_len;
	return 0;
}
