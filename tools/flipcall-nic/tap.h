/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FLIPCALL_NIC_TAP_H
#define FLIPCALL_NIC_TAP_H

#include <linux/virtio_net.h>

/*
 * With offload every frame read from or written to the TAP device starts
 * with this header (struct virtio_net_hdr: checksum and GSO instructions).
 */
#define TAP_VNET_HDR_LEN	((int)sizeof(struct virtio_net_hdr))

/*
 * Open (creating if needed) the TAP device @name: IFF_TAP | IFF_NO_PI,
 * non-blocking. If @offload, also IFF_VNET_HDR with checksum and TSO
 * offload, so the kernel hands over and takes back frames of up to 64 KiB
 * that it segments (or the receiving stack takes whole); otherwise no vnet
 * header and only MTU-sized frames. If @mtu is not 0 the interface's MTU
 * is set. Returns the fd or a negative errno; *@why names the step that
 * failed.
 */
int tap_open(const char *name, unsigned int mtu, int offload, const char **why);

#endif
