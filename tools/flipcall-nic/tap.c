// SPDX-License-Identifier: GPL-2.0
/*
 * Without IFF_VNET_HDR the kernel segments and checksums everything before
 * it reaches us, so each read is one complete Ethernet frame no longer than
 * the interface's MTU plus its header. With it (--offload) the kernel skips
 * both: a TCP sender's 64 KiB super-frame crosses the bridge in one read and
 * one write, with a virtio_net_hdr saying how to finish it, and the
 * receiving stack takes it whole, so per-packet costs fall ~40-fold.
 * TAP_VNET_HDR keeps the kernel's frames MTU-sized and checksummed but lets
 * the bridge hand it coalesced GSO frames (coalesce.h).
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

/* SIOCSIFMTU or SIOCSIFTXQLEN: both take an int in the same union. */
static int set_link_int(const char *name, unsigned long request, int value)
{
	struct ifreq ifr = { .ifr_mtu = value };
	int sock, err = 0;

	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(sock, request, &ifr) < 0)
		err = -errno;
	close(sock);
	return err;
}

unsigned int tap_default_txqueuelen(size_t frame_max)
{
	size_t n = TAP_QUEUE_BYTES / frame_max;

	return n > TAP_KERNEL_TXQUEUELEN ? n : TAP_KERNEL_TXQUEUELEN;
}

/* Checksums and TCP segmentation left to whoever finally receives. */
static int enable_offload(int fd, const char **why)
{
	int hdr_len = TAP_VNET_HDR_LEN;

	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) < 0) {
		*why = "TUNSETVNETHDRSZ";
		return -errno;
	}
	if (ioctl(fd, TUNSETOFFLOAD,
		  TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0) {
		*why = "TUNSETOFFLOAD";
		return -errno;
	}
	return 0;
}

int tap_open(const char *name, unsigned int mtu, unsigned int txqueuelen,
	     enum tap_mode mode, const char **why)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd, err;

	if (mode != TAP_PLAIN)
		ifr.ifr_flags |= IFF_VNET_HDR;

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
	if (mode == TAP_OFFLOAD) {
		err = enable_offload(fd, why);
		if (err)
			goto fail;
	}
	if (mtu) {
		err = set_link_int(name, SIOCSIFMTU, (int)mtu);
		if (err) {
			*why = "SIOCSIFMTU";
			goto fail;
		}
	}
	if (txqueuelen) {
		err = set_link_int(name, SIOCSIFTXQLEN, (int)txqueuelen);
		if (err) {
			*why = "SIOCSIFTXQLEN";
			goto fail;
		}
	}
	return fd;
fail:
	close(fd);
	return err;
}
