/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FLIPCALL_NIC_TAP_H
#define FLIPCALL_NIC_TAP_H

#include <stddef.h>
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
 * The TAP device's transmit queue is all the kernel holds for the bridge
 * while the bridge is off its CPU (tun drops, it does not push back), so by
 * default it holds this much, never less than the kernel's own 1000 frames.
 */
#define TAP_QUEUE_BYTES		(8u << 20)
#define TAP_KERNEL_TXQUEUELEN	1000u

unsigned int tap_default_txqueuelen(size_t frame_max);

/*
 * Open (creating if needed) the TAP device @name: IFF_TAP | IFF_NO_PI,
 * non-blocking, set up for @mode. The interface's MTU and transmit queue
 * length are set to @mtu and @txqueuelen unless they are 0. Returns the fd
 * or a negative errno; *@why names the step that failed.
 */
int tap_open(const char *name, unsigned int mtu, unsigned int txqueuelen,
	     enum tap_mode mode, const char **why);

#endif
