// SPDX-License-Identifier: LGPL-2.1-or-later
/* Typed client calls for extended attributes, shaped like f*xattr(2). */
#include <errno.h>
#include <string.h>

#include "export.h"
#include "lisafs/client_internal.h"
#include "lisafs/wire.h"

FLIPCALL_EXPORT ssize_t lisafs_client_fgetxattr(struct lisafs_client *c,
						uint64_t fd, const char *name,
						void *buf, size_t size)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	ssize_t ret;
	int err;

	if (!name || (size && !buf))
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_FGETXATTR, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_u32(&w, size > UINT32_MAX ? UINT32_MAX : (uint32_t)size);
	lfs_wr_string(&w, name, strlen(name));
	err = lfs_client_send(&tx, LISAFS_MID_FGETXATTR, &w, &rd);
	ret = err ? err : lfs_client_sized_string(&rd, buf, size, -ERANGE);
	lfs_tx_end(&tx);
	return ret;
}

FLIPCALL_EXPORT int lisafs_client_fsetxattr(struct lisafs_client *c,
					    uint64_t fd, const char *name,
					    const void *value, size_t size,
					    uint32_t flags)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err;

	if (!name || size > UINT16_MAX || (size && !value))
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_FSETXATTR, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_u32(&w, flags);
	lfs_wr_string(&w, name, strlen(name));
	lfs_wr_string(&w, value, size);
	return lfs_client_finish(&tx, LISAFS_MID_FSETXATTR, &w);
}

FLIPCALL_EXPORT ssize_t lisafs_client_flistxattr(struct lisafs_client *c,
						 uint64_t fd, char *buf,
						 size_t size)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	struct lfs_rd rd;
	ssize_t total = 0;
	int err;

	if (size && !buf)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_FLISTXATTR, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_u64(&w, size);
	err = lfs_client_send(&tx, LISAFS_MID_FLISTXATTR, &w, &rd);
	if (!err) {
		uint16_t n = lfs_rd_u16(&rd);

		for (uint16_t i = 0; !rd.bad && !err && i < n; i++) {
			uint16_t len = lfs_rd_u16(&rd);
			const uint8_t *p = lfs_rd_bytes(&rd, len);

			if (!p)
				break;
			if (size && (size_t)total + len + 1 > size) {
				err = -ERANGE;
				break;
			}
			if (size) {
				memcpy(buf + total, p, len);
				buf[total + len] = '\0';
			}
			total += len + 1;
		}
		if (rd.bad)
			err = -EPROTO;
	}
	lfs_tx_end(&tx);
	return err ? err : total;
}

FLIPCALL_EXPORT int lisafs_client_fremovexattr(struct lisafs_client *c,
					       uint64_t fd, const char *name)
{
	struct lfs_tx tx;
	struct lfs_wr w;
	int err;

	if (!name)
		return -EINVAL;
	err = lfs_client_begin(c, &tx, LISAFS_MID_FREMOVEXATTR, &w);
	if (err)
		return err;
	lfs_wr_u64(&w, fd);
	lfs_wr_string(&w, name, strlen(name));
	return lfs_client_finish(&tx, LISAFS_MID_FREMOVEXATTR, &w);
}
