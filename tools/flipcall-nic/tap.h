/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FLIPCALL_NIC_TAP_H
#define FLIPCALL_NIC_TAP_H

/*
 * Open (creating if needed) the TAP device @name: IFF_TAP | IFF_NO_PI, no
 * vnet header, non-blocking. If @mtu is not 0 the interface's MTU is set.
 * Returns the fd or a negative errno; *@why names the step that failed.
 */
int tap_open(const char *name, unsigned int mtu, const char **why);

#endif
