// SPDX-License-Identifier: GPL-2.0
#include <string.h>

#include "transport.h"

static const struct nic_transport_ops *const transports[] = {
	&nic_transport_sharedmem,
	&nic_transport_socketpair,
};

#define NR_TRANSPORTS (sizeof(transports) / sizeof(transports[0]))

const struct nic_transport_ops *nic_transport_find(const char *name)
{
	unsigned int i;

	if (!name)
		return transports[0];
	for (i = 0; i < NR_TRANSPORTS; i++)
		if (!strcmp(transports[i]->name, name))
			return transports[i];
	return NULL;
}

const char *nic_transport_names(void)
{
	return "sharedmem socketpair";
}
