// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Zero-copy sending: the caller reserves a packet's buffers in the shared
 * data file, fills them itself (a readv from a TAP device, say) and then
 * commits the length it wrote, or aborts. SHAREDMEM_SEND_MORE defers the
 * flush and the doorbell, so a burst costs one of each.
 */
#include <errno.h>

#include "export.h"
#include "sharedmem/endpoint.h"
#include "sharedmem/endpoint_internal.h"

_Static_assert(SHAREDMEM_MAX_IOV == SHM_MAX_PACKET_BUFFERS,
	       "one iovec per buffer of the largest packet");

static void reserve_drop(struct sharedmem_endpoint *ep)
{
	if (ep->side == SHAREDMEM_CLIENT)
		shm_txq_client_abort(&ep->client.txq);
	else
		shm_rxq_server_abort(&ep->server.rxq);
	ep->reserved = false;
}

static int reserve(struct sharedmem_endpoint *ep, size_t size,
		   struct iovec *iov, int cap, int *iovcnt)
{
	int err;

	if (ep->side == SHAREDMEM_SERVER)
		return shm_rxq_server_reserve(&ep->server.rxq, size, iov, cap,
					      iovcnt, &ep->st);
	err = shm_txq_client_reap(&ep->client.txq, &ep->st);
	if (err)
		return err;
	return shm_txq_client_reserve(&ep->client.txq, size, iov, cap, iovcnt);
}

FLIPCALL_EXPORT int
sharedmem_endpoint_send_reserve(struct sharedmem_endpoint *ep, size_t size,
				struct iovec *iov, int *iovcnt)
{
	int err;

	if (!ep || !iov || !iovcnt || *iovcnt <= 0)
		return -EINVAL;
	if (ep->reserved)
		return -EBUSY;
	err = shm_endpoint_usable(ep);
	if (err)
		return err;
	if (size > ep->mtu) {
		ep->st.drops_too_big++;
		return -EMSGSIZE;
	}
	err = reserve(ep, size, iov, *iovcnt, iovcnt);
	if (err)
		return shm_endpoint_send_failed(ep, err);
	ep->reserved = true;
	ep->res_size = size;
	return 0;
}

FLIPCALL_EXPORT int
sharedmem_endpoint_send_commit(struct sharedmem_endpoint *ep, size_t len,
			       unsigned int flags)
{
	int err;

	if (!ep || !ep->reserved || len > ep->res_size ||
	    (flags & ~SHAREDMEM_SEND_MORE))
		return -EINVAL;
	err = shm_endpoint_usable(ep);
	if (err) {
		reserve_drop(ep);
		return err;
	}
	if (ep->side == SHAREDMEM_CLIENT) {
		err = shm_txq_client_commit(&ep->client.txq, len);
		if (err) {
			ep->reserved = false;
			return shm_endpoint_broke(ep, err);
		}
	} else {
		shm_rxq_server_commit(&ep->server.rxq, len);
	}
	ep->reserved = false;
	ep->unpublished = true;
	ep->st.tx_packets++;
	ep->st.tx_bytes += len;
	if (!(flags & SHAREDMEM_SEND_MORE))
		shm_endpoint_publish(ep);
	return 0;
}

FLIPCALL_EXPORT int sharedmem_endpoint_send_abort(struct sharedmem_endpoint *ep)
{
	if (!ep || !ep->reserved)
		return -EINVAL;
	reserve_drop(ep);
	return 0;
}

FLIPCALL_EXPORT int sharedmem_endpoint_send_flush(struct sharedmem_endpoint *ep)
{
	int err;

	if (!ep)
		return -EINVAL;
	err = shm_endpoint_usable(ep);
	if (err)
		return err;
	if (ep->unpublished)
		shm_endpoint_publish(ep);
	return 0;
}
