/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FLIPCALL_NIC_TAP_H
#define FLIPCALL_NIC_TAP_H

#include <linux/virtio_net.h>

/*
 * Outside TAP_PLAIN every frame read from or written to the TAP device
 * starts with this header (struct virtio_net_hdr: checksum and GSO instructions).
 */
#define TAP_VNET_HDR_LEN	((int)sizeof(struct virtio_net_hdr))

enum tap_mode {
	TAP_PLAIN,	/* no vnet header: MTU-sized frames both ways */
	/* A vnet header on every frame; the kernel still sends MTU-sized
	 * frames with their checksums done, but takes GSO frames. */
	TAP_VNET_HDR,
	/* TAP_VNET_HDR plus checksum and TSO offload: the kernel also hands
	 * over frames of up to 64 KiB for the far end to finish. */
	TAP_OFFLOAD,
};

/*
 * Open (creating if needed) the TAP device @name: IFF_TAP | IFF_NO_PI,
 * non-blocking, set up for @mode. If @mtu is not 0 the interface's MTU is
 * set. Returns the fd or a negative errno; *@why names the step that
 * failed.
 */
int tap_open(const char *name, unsigned int mtu, enum tap_mode mode,
	     const char **why);

#endif
