// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pieces every typed client call uses: send what a request writer holds,
 * the empty-response and Inode-response shapes, name checks, createCommon
 * and SizedString responses.
 */
#include <errno.h>
#include <string.h>

#include "export.h"
#include "lisafs/client_internal.h"
#include "lisafs/wire.h"

/* Send what w holds; EIO if it did not fit in a message. */
int lfs_client_send(struct lfs_tx *tx, uint16_t mid, const struct lfs_wr *w,
		    struct lfs_rd *rd)
{
	int err;

	if (w->over)
		return -EIO;
	err = lfs_tx_call(tx, mid, (uint32_t)w->off);
	if (!err && rd)
		lfs_rd_init(rd, tx->resp, tx->resp_len);
	return err;
}

/* The usual shape: request in w, empty or ignored response. */
int lfs_client_finish(struct lfs_tx *tx, uint16_t mid, struct lfs_wr *w)
{
	int err = lfs_client_send(tx, mid, w, NULL);

	lfs_tx_end(tx);
	return err;
}

int lfs_client_check_name(const char *name)
{
	if (!name)
		return -EINVAL;
	return lfs_name_is_safe(name, strlen(name)) ? 0 : -EINVAL;
}

int lfs_client_begin_named(struct lisafs_client *c, struct lfs_tx *tx,
			   uint16_t mid, struct lfs_wr *w, const char *name)
{
	int err = lfs_client_check_name(name);

	return err ? err : lfs_client_begin(c, tx, mid, w);
}

/* A response that is exactly one Inode. */
int lfs_client_inode_call(struct lfs_tx *tx, uint16_t mid, struct lfs_wr *w,
			  struct lisafs_inode *child)
{
	struct lisafs_inode ino;
	struct lfs_rd rd;
	int err = lfs_client_send(tx, mid, w, &rd);

	if (!err) {
		lfs_rd_inode(&rd, &ino);
		if (rd.bad)
			err = -EPROTO;
		else if (child)
			*child = ino;
	}
	lfs_tx_end(tx);
	return err;
}

/* A response that is one SizedString, copied into buf. */
ssize_t lfs_client_sized_string(struct lfs_rd *rd, char *buf, size_t size,
				int too_small)
{
	uint16_t len = lfs_rd_u16(rd);
	const uint8_t *p;

	if (rd->bad)
		return -EPROTO;
	if (size == 0 && too_small == -ERANGE)
		return len;	/* a size query: the server sends no bytes */
	p = lfs_rd_bytes(rd, len);
	if (!p)
		return -EPROTO;
	if (len > size)
		return too_small;
	memcpy(buf, p, len);
	return len;
}
