// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The lisafs channel communicator: {MID u16, numFDs u8, pad u8} at the start
 * of the flipcall datagram, then the payload. Response fds go over the
 * fdchannel, one datagram each, before control passes back, so the client
 * can collect them without blocking once it runs again.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lisafs/comm.h"
#include "lisafs/wire.h"

int lfs_channel_init(struct lfs_channel *ch, int side,
		     const struct flipcall_window *win, int fdsock,
		     uint32_t spin_ns, uint32_t wait_policy,
		     uint32_t timeout_ms)
{
	struct flipcall_endpoint_options o;
	uint32_t cap;
	int err;

	memset(ch, 0, sizeof(*ch));
	flipcall_endpoint_options_init(&o);
	o.spin_ns = spin_ns;
	o.wait_policy = wait_policy;
	o.timeout_ms = timeout_ms;
	err = flipcall_endpoint_init(&ch->ep, side, win, &o);
	if (err)
		goto fail_sock;
	cap = flipcall_endpoint_data_cap(ch->ep);
	if (cap < LISAFS_CHANNEL_HEADER_BYTES) {
		err = -EINVAL;
		goto fail_ep;
	}
	err = fdchannel_init(&ch->fdc, fdsock);
	if (err)
		goto fail_ep;
	ch->data = flipcall_endpoint_data(ch->ep);
	ch->payload_cap = cap - LISAFS_CHANNEL_HEADER_BYTES;
	ch->device = flipcall_endpoint_transport(ch->ep) ==
		     FLIPCALL_TRANSPORT_DEVICE;
	return 0;

fail_ep:
	flipcall_endpoint_destroy(ch->ep);
	ch->ep = NULL;
fail_sock:
	close(fdsock);
	return err;
}

void lfs_channel_shutdown(struct lfs_channel *ch)
{
	if (ch->ep)
		flipcall_endpoint_shutdown(ch->ep);
	if (ch->fdc)
		fdchannel_shutdown(ch->fdc);
}

void lfs_channel_fini(struct lfs_channel *ch)
{
	if (ch->fdc)
		fdchannel_destroy(ch->fdc);
	if (ch->ep)
		flipcall_endpoint_destroy(ch->ep);
	memset(ch, 0, sizeof(*ch));
}

int lfs_channel_parse(const struct lfs_channel *ch, int data_len,
		      uint16_t *mid, uint8_t *num_fds, uint32_t *payload_len)
{
	uint8_t hdr[LISAFS_CHANNEL_HEADER_BYTES];

	if (data_len < LISAFS_CHANNEL_HEADER_BYTES ||
	    (uint32_t)data_len - LISAFS_CHANNEL_HEADER_BYTES > ch->payload_cap)
		return -EIO;
	memcpy(hdr, ch->data, sizeof(hdr));
	memcpy(mid, hdr, 2);
	*num_fds = hdr[2];
	*payload_len = (uint32_t)data_len - LISAFS_CHANNEL_HEADER_BYTES;
	return 0;
}

static void write_header(struct lfs_channel *ch, uint16_t mid, uint8_t nfds)
{
	uint8_t hdr[LISAFS_CHANNEL_HEADER_BYTES] = { 0 };

	memcpy(hdr, &mid, 2);
	hdr[2] = nfds;
	memcpy(ch->data, hdr, sizeof(hdr));
}

int lfs_channel_reply(struct lfs_channel *ch, uint16_t mid, uint32_t len,
		      const int *fds, unsigned int nfds)
{
	unsigned int sent = 0;

	if (len > ch->payload_cap)
		return -EIO;
	/* gVisor drops every fd past the u8 limit rather than some. */
	if (nfds > LFS_MAX_RESP_FDS)
		nfds = 0;
	while (sent < nfds && fdchannel_send(ch->fdc, fds[sent]) == 0)
		sent++;
	write_header(ch, mid, (uint8_t)sent);
	return flipcall_endpoint_send_recv(ch->ep,
					   LISAFS_CHANNEL_HEADER_BYTES + len);
}

int lfs_channel_call(struct lfs_channel *ch, uint16_t mid, uint32_t len,
		     uint16_t *resp_mid, uint32_t *resp_len, int *fds,
		     unsigned int max_fds, unsigned int *nfds)
{
	uint8_t num_fds;
	unsigned int i;
	int n, err;

	*nfds = 0;
	if (len > ch->payload_cap)
		return -EIO;
	write_header(ch, mid, 0);
	n = flipcall_endpoint_send_recv(ch->ep,
					LISAFS_CHANNEL_HEADER_BYTES + len);
	if (n < 0)
		return n;
	err = lfs_channel_parse(ch, n, resp_mid, &num_fds, resp_len);
	if (err)
		return err;
	for (i = 0; i < num_fds; i++) {
		int fd = fdchannel_recv_nonblock(ch->fdc);

		if (fd < 0) {
			err = -EIO;	/* promised fds must be there */
			break;
		}
		if (*nfds < max_fds) {
			fds[(*nfds)++] = fd;
		} else {
			close(fd);
			err = -EPROTO;	/* more than any response carries */
		}
	}
	if (err) {
		while (*nfds)
			close(fds[--*nfds]);
	}
	return err;
}
