// SPDX-License-Identifier: GPL-2.0
/*
 * Frames read from TAP wait in a small pending batch until the transport
 * takes them. When the peer stops taking frames the batch stays (TAP is not
 * read, so the kernel queues and drops in front of us, which TCP copes with)
 * for QUEUE_FULL_NS, then it is dropped and counted, so a stalled peer
 * cannot wedge the interface for good.
 *
 * A transport that lends its own memory (reserve/commit) gets each frame
 * read from TAP straight into it, with no batch in between: while it has
 * no room TAP is not read, and after QUEUE_FULL_NS waiting frames are read
 * and dropped, as above.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "coalesce.h"
#include "control.h"
#include "tap.h"

#define BRIDGE_BATCH		32
/* iovecs for one reserved frame (the transport's buffers may be small). */
#define FRAME_IOV_MAX	128
#define QUEUE_FULL_NS		(100 * 1000 * 1000LL)
/* With no transport fd to wait on for room, retry this often. */
#define TX_RETRY_NS		(200 * 1000LL)
/* Idle rounds that yield the CPU before the bridge arms and sleeps. */
#define BRIDGE_IDLE_YIELDS	4
/* While busy the control socket is not polled: look every so often. */
#define BUSY_ROUNDS_PER_CHECK	256

struct bridge {
	struct bridge_config cfg;
	struct nic_stats st;
	unsigned char *bufs;
	void *buf[BRIDGE_BATCH];	/* pending frames first, then free */
	size_t len[BRIDGE_BATCH];
	int npend;
	long long blocked_since;	/* ns; 0 while the peer takes frames */
	unsigned int busy_rounds;
	unsigned int idle_yields;	/* since the last progress */
	struct coalescer *co;		/* cfg.coalesce: frames to TAP */
	/* The vnet header of a frame read from TAP (cfg.coalesce). */
	struct virtio_net_hdr rx_vnet;
};

static void tap_emit(const struct iovec *iov, int iovcnt, size_t len,
		     void *arg);

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int bridge_create(const struct bridge_config *cfg, struct bridge **out)
{
	struct bridge *b = calloc(1, sizeof(*b));
	int i;

	if (!b)
		return -ENOMEM;
	b->cfg = *cfg;
	/* One byte more than a frame: a longer read is detected, not cut. */
	b->bufs = malloc(BRIDGE_BATCH * (cfg->frame_max + 1));
	if (!b->bufs) {
		free(b);
		return -ENOMEM;
	}
	for (i = 0; i < BRIDGE_BATCH; i++)
		b->buf[i] = b->bufs + i * (cfg->frame_max + 1);
	if (cfg->coalesce &&
	    coalescer_create(cfg->frame_max, tap_emit, b, &b->co)) {
		bridge_destroy(b);
		return -ENOMEM;
	}
	*out = b;
	return 0;
}

void bridge_destroy(struct bridge *b)
{
	if (!b)
		return;
	coalescer_destroy(b->co);
	free(b->bufs);
	free(b);
}

void bridge_stats(struct bridge *b, struct nic_stats *st)
{
	struct coalesce_stats cs;

	*st = b->st;
	if (b->co) {
		coalescer_stats(b->co, &cs);
		st->coalesced = cs.merged;
	}
	b->cfg.ops->stats(b->cfg.t, st);
}

/* Sent frames' buffers move behind the ones still pending. */
static void forget_sent(struct bridge *b, int sent)
{
	void *done[BRIDGE_BATCH];
	int i;

	for (i = 0; i < sent; i++) {
		b->st.to_peer_packets++;
		b->st.to_peer_bytes += b->len[i];
	}
	memcpy(done, b->buf, sent * sizeof(done[0]));
	memmove(b->buf, b->buf + sent, (BRIDGE_BATCH - sent) * sizeof(b->buf[0]));
	memmove(b->len, b->len + sent, (b->npend - sent) * sizeof(b->len[0]));
	memcpy(b->buf + BRIDGE_BATCH - sent, done, sent * sizeof(done[0]));
	b->npend -= sent;
}

/*
 * One frame from TAP into @iov[1..iovcnt): iov[0] is left for the vnet
 * header, which is read into b->rx_vnet and not counted (cfg.coalesce).
 */
static ssize_t tap_readv(struct bridge *b, struct iovec *iov, int iovcnt)
{
	ssize_t n;

	if (!b->cfg.coalesce)
		return readv(b->cfg.tap_fd, iov + 1, iovcnt - 1);
	iov[0] = (struct iovec){ &b->rx_vnet, sizeof(b->rx_vnet) };
	n = readv(b->cfg.tap_fd, iov, iovcnt);
	if (n < 0)
		return n;
	/* Without offloads the kernel sends no GSO: a short read is broken. */
	if (n < (ssize_t)sizeof(b->rx_vnet)) {
		errno = EIO;
		return -1;
	}
	return n - sizeof(b->rx_vnet);
}

static int read_tap(struct bridge *b)
{
	struct iovec iov[2];
	int progress = 0;
	ssize_t n;

	while (b->npend < BRIDGE_BATCH) {
		iov[1] = (struct iovec){ b->buf[b->npend], b->cfg.frame_max + 1 };
		n = tap_readv(b, iov, 2);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			/* The interface was deleted under us. */
			if (errno == EBADFD)
				return -errno;
			b->st.drops.tap_read_error++;
			break;
		}
		progress++;
		if ((size_t)n > b->cfg.frame_max) {
			b->st.drops.tap_oversize++;
			continue;
		}
		b->len[b->npend++] = n;
	}
	return progress;
}

/* The transport had no room: 1 if it is time to drop frames. */
static int peer_full(struct bridge *b)
{
	long long now = now_ns();

	if (!b->blocked_since) {
		b->blocked_since = now;
		b->st.peer_full_waits++;
		return 0;
	}
	return now - b->blocked_since > QUEUE_FULL_NS;
}

/* The peer took nothing for too long: drop what TAP holds now. */
static int drop_tap_frames(struct bridge *b)
{
	int n = 0;

	while (n < BRIDGE_BATCH &&
	       read(b->cfg.tap_fd, b->buf[0], b->cfg.frame_max + 1) >= 0)
		n++;
	b->st.drops.queue_full += n;
	return n;
}

/* Reads one frame into the transport's memory: 1, 0 (none), or -errno. */
static int read_tap_into_peer(struct bridge *b, int *committed)
{
	struct iovec iov[1 + FRAME_IOV_MAX];
	int iovcnt = FRAME_IOV_MAX, r;
	ssize_t n;

	r = b->cfg.ops->reserve(b->cfg.t, b->cfg.frame_max + 1, iov + 1,
				&iovcnt);
	if (r <= 0)
		return r ? r : -EAGAIN;
	while ((n = tap_readv(b, iov, 1 + iovcnt)) < 0 && errno == EINTR)
		;
	if (n < 0 || (size_t)n > b->cfg.frame_max) {
		b->cfg.ops->abort(b->cfg.t);
		if (n >= 0) {
			b->st.drops.tap_oversize++;
			return 1;
		}
		if (errno == EAGAIN)
			return 0;
		if (errno == EBADFD)
			return -errno;
		b->st.drops.tap_read_error++;
		return 0;
	}
	r = b->cfg.ops->commit(b->cfg.t, n, 1);
	if (r < 0)
		return r;
	b->st.to_peer_packets++;
	b->st.to_peer_bytes += n;
	(*committed)++;
	return 1;
}

static int to_peer_direct(struct bridge *b)
{
	int progress = 0, committed = 0, r = 1, err;

	while (progress < BRIDGE_BATCH) {
		r = read_tap_into_peer(b, &committed);
		if (r <= 0)
			break;
		progress++;
	}
	if (committed) {
		err = b->cfg.ops->flush(b->cfg.t);
		if (err < 0)
			return err;
		b->blocked_since = 0;
	}
	if (r == -EAGAIN) {
		/* No room: the first frame waits in TAP. */
		if (!committed && peer_full(b)) {
			progress += drop_tap_frames(b) + 1;
			b->blocked_since = 0;
		}
		return progress;
	}
	return r < 0 ? r : progress;
}

static int to_peer(struct bridge *b)
{
	struct iovec frames[BRIDGE_BATCH];
	int i, sent, progress;

	if (b->cfg.ops->reserve)
		return to_peer_direct(b);
	progress = read_tap(b);
	if (progress < 0 || !b->npend)
		return progress;
	for (i = 0; i < b->npend; i++)
		frames[i] = (struct iovec){ b->buf[i], b->len[i] };
	sent = b->cfg.ops->send_batch(b->cfg.t, frames, b->npend);
	if (sent < 0)
		return sent;
	if (sent) {
		forget_sent(b, sent);
		b->blocked_since = 0;
		return progress + sent;
	}
	if (peer_full(b)) {
		b->st.drops.queue_full += b->npend;
		b->npend = 0;
		b->blocked_since = 0;
		progress++;
	}
	return progress;
}

/* A frame (with its vnet header in iov[0] if cfg.coalesce) to TAP. */
static void tap_emit(const struct iovec *iov, int iovcnt, size_t len,
		     void *arg)
{
	struct bridge *b = arg;

	while (writev(b->cfg.tap_fd, iov, iovcnt) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EIO)
			b->st.drops.tap_link_down++;
		else
			b->st.drops.tap_write_error++;
		return;
	}
}

static int write_tap(const struct iovec *iov, int iovcnt, size_t len,
		     void *arg)
{
	struct bridge *b = arg;

	if (len > b->cfg.frame_max) {
		b->st.drops.peer_oversize++;
		return 0;
	}
	b->st.from_peer_packets++;
	b->st.from_peer_bytes += len;
	if (b->co)
		coalescer_add(b->co, iov, iovcnt, len);
	else
		tap_emit(iov, iovcnt, len, b);
	return 0;
}

static int from_peer(struct bridge *b)
{
	int r = b->cfg.ops->recv_batch(b->cfg.t, write_tap, b, BRIDGE_BATCH);

	if (b->co)
		coalescer_flush(b->co);
	return r;
}

enum { POLL_RX, POLL_CTRL, POLL_TAP, POLL_TX, POLL_COUNT };

/* Both directions idle: sleep until a frame, room, a signal or a hang-up. */
static int bridge_sleep(struct bridge *b)
{
	struct pollfd fds[POLL_COUNT];
	struct timespec timeout, *tp = NULL;
	int blocked = b->npend == BRIDGE_BATCH || b->blocked_since;
	int r;

	r = b->cfg.ops->arm(b->cfg.t, &fds[POLL_RX]);
	if (r < 0)
		return r;
	if (r > 0)
		return 0;
	fds[POLL_CTRL] = (struct pollfd){ .fd = b->cfg.ctrl_fd, .events = POLLIN };
	fds[POLL_TAP] = (struct pollfd){ .fd = b->cfg.tap_fd, .events = POLLIN };
	fds[POLL_TX] = (struct pollfd){ .fd = -1 };
	/* Frames that could not go yet: wait for room, not for TAP. */
	if (b->npend == BRIDGE_BATCH ||
	    (b->cfg.ops->reserve && b->blocked_since))
		fds[POLL_TAP].fd = -1;
	if (blocked) {
		long long wait_ns = b->blocked_since ?
			b->blocked_since + QUEUE_FULL_NS - now_ns() :
			TX_RETRY_NS;

		if (!b->cfg.ops->tx_wait(b->cfg.t, &fds[POLL_TX]) &&
		    wait_ns > TX_RETRY_NS)
			wait_ns = TX_RETRY_NS;
		if (wait_ns < 0)
			wait_ns = 0;
		timeout = (struct timespec){ wait_ns / 1000000000LL,
					     wait_ns % 1000000000LL };
		tp = &timeout;
	}
	r = ppoll(fds, POLL_COUNT, tp, b->cfg.sleep_mask);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	r = fds[POLL_CTRL].revents ? control_peer_gone(b->cfg.ctrl_fd) : 0;
	if (r < 0)
		return BRIDGE_PEER_OFFLOAD;
	if (r || (fds[POLL_RX].revents & (POLLHUP | POLLERR)) ||
	    b->cfg.ops->peer_gone(b->cfg.t))
		return BRIDGE_PEER_GONE;
	if (fds[POLL_TAP].revents & (POLLERR | POLLHUP | POLLNVAL))
		return -EBADFD;
	return 0;
}

/* -EPIPE from the transport is the peer leaving, not a failure of ours. */
static int peer_gone_or(int err)
{
	return err == -EPIPE ? BRIDGE_PEER_GONE : err;
}

int bridge_run(struct bridge *b)
{
	int r, progress;

	for (;;) {
		if (*b->cfg.stop)
			return BRIDGE_STOP;
		if (*b->cfg.report) {
			*b->cfg.report = 0;
			return BRIDGE_REPORT;
		}
		r = from_peer(b);
		if (r < 0)
			return peer_gone_or(r);
		progress = r;
		r = to_peer(b);
		if (r < 0)
			return peer_gone_or(r);
		progress += r;
		if (progress) {
			b->idle_yields = 0;
			if (++b->busy_rounds % BUSY_ROUNDS_PER_CHECK)
				continue;
			r = control_peer_gone(b->cfg.ctrl_fd);
			if (r)
				return r < 0 ? BRIDGE_PEER_OFFLOAD :
					       BRIDGE_PEER_GONE;
			continue;
		}
		/*
		 * Let the other processes of the path run (the peer bridge,
		 * the TCP ends) before arming: on a busy machine a frame is
		 * often back by then, and sleeping would cost a doorbell and
		 * a wake-up. With nothing else runnable this returns at once.
		 */
		if (b->idle_yields++ < BRIDGE_IDLE_YIELDS) {
			sched_yield();
			continue;
		}
		b->idle_yields = 0;
		r = bridge_sleep(b);
		if (r)
			return peer_gone_or(r);
	}
}
