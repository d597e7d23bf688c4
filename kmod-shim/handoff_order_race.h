/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One poller and one passer around kmod/handoff_order.h, built twice
 * (handoff_order_sides.c): as the module has it, and without the poller's
 * smp_mb(). The test sees only these functions, never the shim headers,
 * which would shadow the system's <linux/...> headers.
 */
#ifndef HANDOFF_ORDER_RACE_H
#define HANDOFF_ORDER_RACE_H

#include <stdbool.h>

struct handoff_order_sides {
	const char *name;
	/* Control with the passer, the poller's entry off the queue. */
	void (*reset)(void);
	/* The poller: queue, then read. True if it saw control arrive. */
	bool (*poll)(void);
	/* The passer: publish, then look. True if it saw the poller queued. */
	bool (*pass)(void);
};

extern const struct handoff_order_sides handoff_order_as_built;
extern const struct handoff_order_sides handoff_order_without_poller_mb;

#endif
