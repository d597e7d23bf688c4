// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sharedmem endpoints: creation from two QueueConfigs, the doorbell and
 * gVisor's notification protocol, peer exit, shutdown and statistics.
 * Sending and receiving live in endpoint_io.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/flipcall.h>

#include "export.h"
#include "sharedmem/endpoint.h"
#include "sharedmem/endpoint_internal.h"

/* How long wait() watches the ring before it sleeps. */
#define SHM_WAIT_SPIN_NS	20000

struct endpoint_opts {
	uint32_t mtu;
	int peer_fd;
	uint32_t buffer_size;
};

static int endpoint_options_get(const struct sharedmem_endpoint_options *o,
				struct endpoint_opts *out)
{
	struct sharedmem_endpoint_options tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.peer_fd = -1;
	if (o) {
		if (o->size < 2 * sizeof(uint32_t) || o->size > sizeof(tmp))
			return -EINVAL;
		memcpy(&tmp, o, o->size);
	}
	if (tmp.flags || tmp.reserved || tmp.mtu > SHAREDMEM_MAX_PACKET)
		return -EINVAL;
	out->mtu = tmp.mtu ? tmp.mtu : SHAREDMEM_MAX_PACKET;
	out->peer_fd = tmp.peer_fd;
	out->buffer_size = tmp.buffer_size ? tmp.buffer_size :
			   SHAREDMEM_DEFAULT_BUFFER_SIZE;
	if (out->buffer_size < 64)
		return -EINVAL;
	return 0;
}

static int watch_add(struct sharedmem_endpoint *ep, int fd, short events)
{
	struct epoll_event ev = { .events = (uint32_t)events };

	/* Hang-ups are always reported, even with no events asked for. */
	if (epoll_ctl(ep->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	ep->watch[ep->nwatch].fd = fd;
	ep->watch[ep->nwatch++].events = events;
	return 0;
}

static int endpoint_setup_fds(struct sharedmem_endpoint *ep)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int err = 0;

	ep->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (ep->epoll_fd < 0)
		return -errno;
	if (epoll_ctl(ep->epoll_fd, EPOLL_CTL_ADD, ep->wait_mem->event_fd,
		      &ev) < 0)
		return -errno;
	if (ep->tx_mem.device_fd >= 0)
		err = watch_add(ep, ep->tx_mem.device_fd, 0);
	if (!err && ep->rx_mem.device_fd >= 0)
		err = watch_add(ep, ep->rx_mem.device_fd, 0);
	if (!err && ep->peer_fd >= 0)
		err = watch_add(ep, ep->peer_fd, POLLIN);
	return err;
}

static int endpoint_setup_queues(struct sharedmem_endpoint *ep,
				 const struct endpoint_opts *opt)
{
	int err;

	if (ep->side == SHAREDMEM_CLIENT) {
		err = shm_txq_client_init(&ep->client.txq, &ep->tx_mem,
					  opt->buffer_size);
		if (err)
			return err;
		err = shm_rxq_client_init(&ep->client.rxq, &ep->rx_mem,
					  opt->buffer_size);
		if (err)
			return err;
		if (ep->mtu > shm_txq_client_max_packet(&ep->client.txq))
			ep->mtu = shm_txq_client_max_packet(&ep->client.txq);
		ep->wait_mem = &ep->rx_mem;
		ep->kick_mem = &ep->tx_mem;
	} else {
		err = shm_txq_server_init(&ep->server.txq, &ep->tx_mem);
		if (!err)
			err = shm_rxq_server_init(&ep->server.rxq, &ep->rx_mem);
		if (err)
			return err;
		ep->wait_mem = &ep->tx_mem;
		ep->kick_mem = &ep->rx_mem;
	}
	return 0;
}

FLIPCALL_EXPORT int
sharedmem_endpoint_create(int side, const struct sharedmem_queue_config *tx,
			  const struct sharedmem_queue_config *rx,
			  const struct sharedmem_endpoint_options *o,
			  struct sharedmem_endpoint **out)
{
	struct sharedmem_endpoint *ep = NULL;
	struct endpoint_opts opt;
	int err, err_rx;

	if (!tx || !rx || !out)
		return -EINVAL;
	err = endpoint_options_get(o, &opt);
	if (!err && side != SHAREDMEM_CLIENT && side != SHAREDMEM_SERVER)
		err = -EINVAL;
	if (!err) {
		ep = calloc(1, sizeof(*ep));
		if (!ep)
			err = -ENOMEM;
	}
	if (err) {
		struct sharedmem_queue_config t = *tx, r = *rx;

		sharedmem_queue_config_close(&t);
		sharedmem_queue_config_close(&r);
		if (o && o->size >= 16 && o->peer_fd >= 0)
			close(o->peer_fd);
		return err;
	}
	ep->side = side;
	ep->mtu = opt.mtu;
	ep->peer_fd = opt.peer_fd;
	ep->epoll_fd = -1;
	ep->arm = SHM_ARM_UNKNOWN;
	ep->st.size = sizeof(ep->st);
	err = shm_queue_map(tx, &ep->tx_mem);
	err_rx = shm_queue_map(rx, &ep->rx_mem);
	if (!err)
		err = err_rx;
	if (!err)
		err = endpoint_setup_queues(ep, &opt);
	if (!err)
		err = endpoint_setup_fds(ep);
	if (err) {
		sharedmem_endpoint_destroy(ep);
		return err;
	}
	*out = ep;
	return 0;
}

FLIPCALL_EXPORT void sharedmem_endpoint_destroy(struct sharedmem_endpoint *ep)
{
	if (!ep)
		return;
	/* On the device the peer sees POLLHUP now, not at our exit. */
	if (ep->tx_mem.device_fd >= 0)
		ioctl(ep->tx_mem.device_fd, FLIPCALL_IOC_SHUTDOWN);
	if (ep->rx_mem.device_fd >= 0)
		ioctl(ep->rx_mem.device_fd, FLIPCALL_IOC_SHUTDOWN);
	if (ep->side == SHAREDMEM_CLIENT) {
		shm_txq_client_fini(&ep->client.txq);
		shm_rxq_client_fini(&ep->client.rxq);
	}
	shm_queue_unmap(&ep->tx_mem);
	shm_queue_unmap(&ep->rx_mem);
	if (ep->epoll_fd >= 0)
		close(ep->epoll_fd);
	if (ep->peer_fd >= 0)
		close(ep->peer_fd);
	free(ep);
}

void shm_endpoint_kick(struct sharedmem_endpoint *ep)
{
	uint32_t word;

	/*
	 * Pairs with the fence in shm_endpoint_arm: either the consumer sees
	 * what we flushed, or we see its "enabled" and ring.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	word = __atomic_load_n(ep->kick_mem->notify, __ATOMIC_RELAXED);
	if (word != SHM_NOTIFY_DISABLED) {
		eventfd_write(ep->kick_mem->event_fd, 1);
		ep->st.notifications++;
	}
}

bool shm_endpoint_pending(const struct sharedmem_endpoint *ep)
{
	if (ep->side == SHAREDMEM_CLIENT)
		return shm_rxq_client_pending(&ep->client.rxq);
	return shm_txq_server_pending(&ep->server.txq);
}

void shm_endpoint_disarm(struct sharedmem_endpoint *ep)
{
	if (ep->arm == SHM_ARM_DISABLED)
		return;
	__atomic_store_n(ep->wait_mem->notify, SHM_NOTIFY_DISABLED,
			 __ATOMIC_RELAXED);
	ep->arm = SHM_ARM_DISABLED;
}

int shm_endpoint_arm(struct sharedmem_endpoint *ep)
{
	if (ep->arm != SHM_ARM_ENABLED) {
		eventfd_t stale;

		/* Rings from while we were busy would wake us for nothing. */
		eventfd_read(ep->wait_mem->event_fd, &stale);
		__atomic_store_n(ep->wait_mem->notify, SHM_NOTIFY_ENABLED,
				 __ATOMIC_RELAXED);
		ep->arm = SHM_ARM_ENABLED;
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return shm_endpoint_pending(ep);
}

FLIPCALL_EXPORT int sharedmem_endpoint_arm(struct sharedmem_endpoint *ep)
{
	if (!ep)
		return -EINVAL;
	return shm_endpoint_arm(ep);
}

FLIPCALL_EXPORT int sharedmem_endpoint_peer_gone(struct sharedmem_endpoint *ep)
{
	if (!ep)
		return -EINVAL;
	if (!ep->gone && ep->nwatch > 0 && poll(ep->watch, ep->nwatch, 0) > 0)
		ep->gone = true;
	return ep->gone;
}

bool shm_endpoint_shut(const struct sharedmem_endpoint *ep)
{
	return __atomic_load_n(&ep->shut, __ATOMIC_ACQUIRE);
}

FLIPCALL_EXPORT int sharedmem_endpoint_rx_fd(struct sharedmem_endpoint *ep)
{
	return ep ? ep->epoll_fd : -EINVAL;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Before switching notifications on, look at the ring for a few
 * microseconds: a busy peer then never pays for a doorbell, nor we for a
 * sleep. Not on a single CPU, where the peer cannot run meanwhile.
 */
static bool endpoint_spin(const struct sharedmem_endpoint *ep)
{
	static long cpus;
	int64_t end;

	if (!cpus)
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus < 2)
		return false;
	end = now_ns() + SHM_WAIT_SPIN_NS;
	do {
		for (int i = 0; i < 64; i++) {
			if (shm_endpoint_pending(ep))
				return true;
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
	} while (!shm_endpoint_shut(ep) && now_ns() < end);
	return false;
}

FLIPCALL_EXPORT int sharedmem_endpoint_wait(struct sharedmem_endpoint *ep,
					    int timeout_ms)
{
	struct pollfd pfd;
	int r;

	if (!ep)
		return -EINVAL;
	pfd.fd = ep->epoll_fd;
	pfd.events = POLLIN;
	for (bool spun = false;; spun = true) {
		if (shm_endpoint_shut(ep))
			return -ESHUTDOWN;
		if (ep->broken)
			return -EPROTO;
		if (!spun && timeout_ms != 0 && endpoint_spin(ep))
			return 1;
		if (shm_endpoint_pending(ep) || shm_endpoint_arm(ep))
			return 1;
		if (sharedmem_endpoint_peer_gone(ep))
			return -ECONNRESET;
		r = poll(&pfd, 1, timeout_ms);
		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
		/* Drain the ring before sleeping again. */
		ep->arm = SHM_ARM_UNKNOWN;
	}
}

FLIPCALL_EXPORT int sharedmem_endpoint_shutdown(struct sharedmem_endpoint *ep)
{
	if (!ep)
		return -EINVAL;
	__atomic_store_n(&ep->shut, 1, __ATOMIC_RELEASE);
	/* Our own doorbell: whoever sleeps in wait() or on rx_fd wakes. */
	eventfd_write(ep->wait_mem->event_fd, 1);
	if (ep->tx_mem.device_fd >= 0)
		ioctl(ep->tx_mem.device_fd, FLIPCALL_IOC_SHUTDOWN);
	if (ep->rx_mem.device_fd >= 0)
		ioctl(ep->rx_mem.device_fd, FLIPCALL_IOC_SHUTDOWN);
	return 0;
}

FLIPCALL_EXPORT int sharedmem_endpoint_stats(const struct sharedmem_endpoint *ep,
					     struct sharedmem_stats *st)
{
	uint32_t size;

	if (!ep || !st || st->size < sizeof(uint64_t))
		return -EINVAL;
	size = st->size < sizeof(ep->st) ? st->size : sizeof(ep->st);
	memcpy(st, &ep->st, size);
	st->size = size;
	return 0;
}
