/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library builds with -fvisibility=hidden; only functions marked
 * FLIPCALL_EXPORT (and listed in libflipcall.map) are part of the ABI.
 */
#ifndef FLIPCALL_EXPORT_H
#define FLIPCALL_EXPORT_H

#define FLIPCALL_EXPORT __attribute__((visibility("default")))

#endif
