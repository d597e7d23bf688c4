// SPDX-License-Identifier: GPL-2.0
/*
 * Without IFF_VNET_HDR the kernel segments and checksums everything before
 * it reaches us, so each read is one complete Ethernet frame no longer than
 * the interface's MTU plus its header.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"

static int set_mtu(const char *name, unsigned int mtu)
{
	struct ifreq ifr = { .ifr_mtu = (int)mtu };
	int sock, err = 0;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(sock, SIOCSIFMTU, &ifr) < 0)
		err = -errno;
	close(sock);
	return err;
}

int tap_open(const char *name, unsigned int mtu, const char **why)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd, err;

	if (strlen(name) >= IFNAMSIZ) {
		*why = "interface name too long";
		return -ENAMETOOLONG;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		*why = "open /dev/net/tun";
		return -errno;
	}
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		*why = "TUNSETIFF";
		goto fail;
	}
	if (mtu) {
		err = set_mtu(name, mtu);
		if (err) {
			*why = "SIOCSIFMTU";
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return err;
}
