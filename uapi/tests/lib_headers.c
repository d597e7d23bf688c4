// SPDX-License-Identifier: GPL-2.0
/* Compiled, never run: the public library headers stand alone in C and C++. */
#include <flipcall/fdchannel.h>
#include <flipcall/flipcall.h>
#include <flipcall/urpc.h>
