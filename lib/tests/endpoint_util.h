/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the endpoint tests: connections on the transport under test
 * (futex windows natively, /dev/flipcall when FLIPCALL_TEST_TRANSPORT=device
 * or when built with -DTEST_DEFAULT_TRANSPORT=\"device\"), calls run on a
 * thread, and a raw gVisor-protocol peer that tests drive byte by byte.
 */
#ifndef ENDPOINT_UTIL_H
#define ENDPOINT_UTIL_H

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <flipcall/flipcall.h>

#ifndef TEST_DEFAULT_TRANSPORT
#define TEST_DEFAULT_TRANSPORT "futex"
#endif

static inline int test_on_device(void)
{
	const char *t = getenv("FLIPCALL_TEST_TRANSPORT");

	return !strcmp(t ? t : TEST_DEFAULT_TRANSPORT, "device");
}

static inline int device_present(void)
{
	return access(FLIPCALL_DEVICE_PATH, R_OK | W_OK) == 0;
}

struct conn {
	struct flipcall_window client, server;
	struct flipcall_window_allocator *alloc;
};

static inline int conn_open(struct conn *cn, uint64_t len)
{
	int err;

	memset(cn, 0, sizeof(*cn));
	if (test_on_device())
		return flipcall_device_create(len, 0, 0, &cn->client,
					      &cn->server);
	err = flipcall_window_allocator_create(&cn->alloc);
	if (err)
		return err;
	err = flipcall_window_allocator_alloc(cn->alloc, len, &cn->client);
	cn->server = cn->client;
	return err;
}

static inline void conn_close(struct conn *cn)
{
	if (cn->alloc) {
		flipcall_window_allocator_destroy(cn->alloc);
	} else {
		close(cn->client.fd);
		close(cn->server.fd);
	}
	cn->alloc = NULL;
}

struct pair {
	struct conn cn;
	struct flipcall_endpoint *client, *server;
};

static inline int pair_open_opts(struct pair *p, uint64_t len,
				 const struct flipcall_endpoint_options *o)
{
	int err = conn_open(&p->cn, len);

	if (err)
		return err;
	err = flipcall_endpoint_init(&p->client, FLIPCALL_SIDE_CLIENT,
				     &p->cn.client, o);
	if (err)
		return err;
	return flipcall_endpoint_init(&p->server, FLIPCALL_SIDE_SERVER,
				      &p->cn.server, o);
}

static inline int pair_open(struct pair *p)
{
	return pair_open_opts(p, 4096, NULL);
}

static inline void pair_close(struct pair *p)
{
	flipcall_endpoint_destroy(p->client);
	flipcall_endpoint_destroy(p->server);
	conn_close(&p->cn);
}

/* One endpoint call on its own thread. */
enum call_op { CALL_CONNECT, CALL_RECV_FIRST, CALL_SEND_RECV, CALL_SEND_LAST };

struct call {
	struct flipcall_endpoint *ep;
	enum call_op op;
	uint32_t len;
	int ret;
	pthread_t thread;
};

static inline void *call_run(void *arg)
{
	struct call *c = arg;

	switch (c->op) {
	case CALL_CONNECT:
		c->ret = flipcall_endpoint_connect(c->ep);
		break;
	case CALL_RECV_FIRST:
		c->ret = flipcall_endpoint_recv_first(c->ep);
		break;
	case CALL_SEND_RECV:
		c->ret = flipcall_endpoint_send_recv(c->ep, c->len);
		break;
	case CALL_SEND_LAST:
		c->ret = flipcall_endpoint_send_last(c->ep, c->len);
		break;
	}
	return NULL;
}

static inline int call_start(struct call *c, struct flipcall_endpoint *ep,
			     enum call_op op, uint32_t len)
{
	c->ep = ep;
	c->op = op;
	c->len = len;
	c->ret = INT_MIN;
	return pthread_create(&c->thread, NULL, call_run, c);
}

static inline int call_join(struct call *c)
{
	pthread_join(c->thread, NULL);
	return c->ret;
}

/* Time for a thread to reach its wait; the outcome never depends on it. */
static inline void let_block(void)
{
	usleep(50 * 1000);
}

/* Server thread answering every datagram with its bytes inverted. */
struct echo_server {
	struct flipcall_endpoint *ep;
	int ret;
	uint64_t served;
	pthread_t thread;
};

static inline void *echo_run(void *arg)
{
	struct echo_server *e = arg;
	unsigned char *d = flipcall_endpoint_data(e->ep);
	int n, i;

	for (n = flipcall_endpoint_recv_first(e->ep); n >= 0;
	     n = flipcall_endpoint_send_recv(e->ep, (uint32_t)n)) {
		for (i = 0; i < n; i++)
			d[i] ^= 0xff;
		e->served++;
	}
	e->ret = n;
	return NULL;
}

static inline int echo_start(struct echo_server *e,
			     struct flipcall_endpoint *ep)
{
	e->ep = ep;
	e->served = 0;
	e->ret = INT_MIN;
	return pthread_create(&e->thread, NULL, echo_run, e);
}

static inline int echo_join(struct echo_server *e)
{
	pthread_join(e->thread, NULL);
	return e->ret;
}

/* One client round trip through an echo server; 0 if the reply is right. */
static inline int echo_check(struct flipcall_endpoint *ep, uint32_t len,
			     unsigned char seed)
{
	unsigned char *d = flipcall_endpoint_data(ep);
	uint32_t i;
	int n;

	for (i = 0; i < len; i++)
		d[i] = (unsigned char)(seed + i);
	n = flipcall_endpoint_send_recv(ep, len);
	if (n != (int)len)
		return n < 0 ? n : -EBADMSG;
	for (i = 0; i < len; i++)
		if (d[i] != (unsigned char)~(seed + i))
			return -EBADMSG;
	return 0;
}

/* A raw view of a futex window: what a Go peer would see and write. */
struct raw_peer {
	unsigned char *base;
	uint64_t len;
};

static inline int raw_open(struct raw_peer *r, const struct flipcall_window *w)
{
	void *p = mmap(NULL, w->length, PROT_READ | PROT_WRITE, MAP_SHARED,
		       w->fd, (off_t)w->offset);

	if (p == MAP_FAILED)
		return -errno;
	r->base = p;
	r->len = w->length;
	return 0;
}

static inline void raw_close(struct raw_peer *r)
{
	munmap(r->base, r->len);
}

static inline uint32_t *raw_state(struct raw_peer *r)
{
	return (uint32_t *)r->base;
}

static inline uint32_t *raw_len(struct raw_peer *r)
{
	return (uint32_t *)(r->base + 4);
}

static inline unsigned char *raw_data(struct raw_peer *r)
{
	return r->base + FLIPCALL_HEADER_BYTES;
}

static inline void raw_wake(struct raw_peer *r)
{
	syscall(SYS_futex, raw_state(r), FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* gVisor's WaitUntilActive, for a peer whose turn is state == want. */
static inline void raw_wait_for(struct raw_peer *r, uint32_t want)
{
	uint32_t s;

	while ((s = __atomic_load_n(raw_state(r), __ATOMIC_ACQUIRE)) != want)
		syscall(SYS_futex, raw_state(r), FUTEX_WAIT, s, NULL, NULL, 0);
}

/* Hand control over by storing new_state and waking, as a Go peer does. */
static inline void raw_hand_over(struct raw_peer *r, uint32_t len,
				 uint32_t new_state)
{
	*raw_len(r) = len;
	__atomic_store_n(raw_state(r), new_state, __ATOMIC_SEQ_CST);
	raw_wake(r);
}

#endif
