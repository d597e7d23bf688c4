// SPDX-License-Identifier: GPL-2.0
/*
 * tap-direct NS_A NS_B TAP [--offload | --no-coalesce]: the benchmark's
 * path with no transport at all. One process opens the TAP device in each
 * network namespace and forwards between them directly, a thread per
 * direction, with the same TAP handling as flipcall-nic (vnet header,
 * coalescing or offload, queue length): how far the TAP devices and the
 * TCP stacks alone let two namespaces go on this machine, to read the
 * bridges' numbers against. It is an estimate, not a bound: two bridge
 * processes can pipeline differently from its two threads. Runs until
 * SIGTERM; says "forwarding" once both devices exist.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../coalesce.h"
#include "../tap.h"

#define FRAME_MAX	(65535 + 14 + TAP_VNET_HDR_LEN)
#define BATCH		32

struct direction {
	int in, out;
	enum tap_mode mode;
};

static int open_in_netns(const char *ns, const char *tap, enum tap_mode mode)
{
	char path[256];
	const char *why = "";
	int nsfd, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET)) {
		fprintf(stderr, "tap-direct: netns %s: %s\n", ns, strerror(errno));
		exit(1);
	}
	close(nsfd);
	/* The bridges' MTU-sized frames, and their queue length. */
	fd = tap_open(tap, 0,
		      tap_default_txqueuelen(mode == TAP_OFFLOAD ? 65535 : 1518),
		      mode, &why);
	if (fd < 0) {
		fprintf(stderr, "tap-direct: %s in %s: %s: %s\n", tap, ns, why,
			strerror(-fd));
		exit(1);
	}
	return fd;
}

static void emit(const struct iovec *iov, int iovcnt, size_t len, void *arg)
{
	const struct direction *d = arg;

	while (writev(d->out, iov, iovcnt) < 0 && errno == EINTR)
		;
}

static void *forward(void *arg)
{
	const struct direction *d = arg;
	struct pollfd pfd = { .fd = d->in, .events = POLLIN };
	unsigned char buf[FRAME_MAX];
	struct coalescer *co = NULL;
	struct iovec iov[2];
	ssize_t n;
	int i;

	if (d->mode == TAP_VNET_HDR &&
	    coalescer_create(FRAME_MAX, emit, (void *)d, &co))
		return NULL;
	for (;;) {
		for (i = 0; i < BATCH; i++) {
			n = read(d->in, buf, sizeof(buf));
			if (n < 0)
				break;
			if (!co) {
				emit(&(struct iovec){ buf, n }, 1, n, (void *)d);
				continue;
			}
			if (n < TAP_VNET_HDR_LEN)
				continue;
			iov[0] = (struct iovec){ buf + TAP_VNET_HDR_LEN,
						 n - TAP_VNET_HDR_LEN };
			coalescer_add(co, iov, 1, iov[0].iov_len);
		}
		if (co)
			coalescer_flush(co);
		if (i == BATCH)
			continue;
		if (errno != EAGAIN && errno != EINTR)
			return NULL;
		poll(&pfd, 1, -1);
	}
}

int main(int argc, char **argv)
{
	struct direction ab, ba;
	enum tap_mode mode = TAP_VNET_HDR;
	pthread_t t;
	int a, b;

	if (argc == 5 && !strcmp(argv[4], "--offload"))
		mode = TAP_OFFLOAD;
	else if (argc == 5 && !strcmp(argv[4], "--no-coalesce"))
		mode = TAP_PLAIN;
	else if (argc != 4) {
		fprintf(stderr, "usage: tap-direct NS_A NS_B TAP [--offload | --no-coalesce]\n");
		return 2;
	}
	a = open_in_netns(argv[1], argv[3], mode);
	b = open_in_netns(argv[2], argv[3], mode);
	ab = (struct direction){ a, b, mode };
	ba = (struct direction){ b, a, mode };
	fprintf(stderr, "tap-direct: forwarding over nothing, TAP to TAP\n");
	if (pthread_create(&t, NULL, forward, &ba))
		return 1;
	forward(&ab);
	return 1;
}
