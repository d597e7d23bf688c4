// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Bounded readers and writers for lisafs payloads. gVisor's marshal code is
 * little-endian on every architecture it supports; so is ours (the hosts we
 * build for are little-endian, which static_assert below pins).
 */
#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "lisafs/wire.h"

static_assert(__BYTE_ORDER == __LITTLE_ENDIAN, "lisafs wire is little-endian");

const uint8_t *lfs_rd_bytes(struct lfs_rd *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

#define DEFINE_RD(bits)						\
uint##bits##_t lfs_rd_u##bits(struct lfs_rd *r)			\
{								\
	const uint8_t *p = lfs_rd_bytes(r, (bits) / 8);		\
	uint##bits##_t v = 0;					\
								\
	if (p)							\
		memcpy(&v, p, sizeof(v));			\
	return v;						\
}
DEFINE_RD(8)
DEFINE_RD(16)
DEFINE_RD(32)
DEFINE_RD(64)

int lfs_rd_string(struct lfs_rd *r, char *buf, size_t cap, uint16_t *lenp)
{
	uint16_t len = lfs_rd_u16(r);
	const uint8_t *p = lfs_rd_bytes(r, len);

	if (!p)
		return -EIO;
	if ((size_t)len + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(buf, p, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return -EINVAL;
	if (lenp)
		*lenp = len;
	return 0;
}

bool lfs_name_is_safe(const char *name, size_t len)
{
	if (len == 0 || memchr(name, '/', len))
		return false;
	if (len == 1 && name[0] == '.')
		return false;
	if (len == 2 && name[0] == '.' && name[1] == '.')
		return false;
	return true;
}

int lfs_rd_name(struct lfs_rd *r, char name[LFS_NAME_BUF])
{
	uint16_t len;
	int err = lfs_rd_string(r, name, LFS_NAME_BUF, &len);

	if (err)
		return err;
	return lfs_name_is_safe(name, len) ? 0 : -EINVAL;
}

static void rd_timestamp(struct lfs_rd *r, struct statx_timestamp *t)
{
	t->tv_sec = (int64_t)lfs_rd_u64(r);
	t->tv_nsec = lfs_rd_u32(r);
	lfs_rd_u32(r);
}

void lfs_rd_statx(struct lfs_rd *r, struct statx *st)
{
	memset(st, 0, sizeof(*st));
	st->stx_mask = lfs_rd_u32(r);
	st->stx_blksize = lfs_rd_u32(r);
	st->stx_attributes = lfs_rd_u64(r);
	st->stx_nlink = lfs_rd_u32(r);
	st->stx_uid = lfs_rd_u32(r);
	st->stx_gid = lfs_rd_u32(r);
	st->stx_mode = lfs_rd_u16(r);
	lfs_rd_u16(r);
	st->stx_ino = lfs_rd_u64(r);
	st->stx_size = lfs_rd_u64(r);
	st->stx_blocks = lfs_rd_u64(r);
	st->stx_attributes_mask = lfs_rd_u64(r);
	rd_timestamp(r, &st->stx_atime);
	rd_timestamp(r, &st->stx_btime);
	rd_timestamp(r, &st->stx_ctime);
	rd_timestamp(r, &st->stx_mtime);
	st->stx_rdev_major = lfs_rd_u32(r);
	st->stx_rdev_minor = lfs_rd_u32(r);
	st->stx_dev_major = lfs_rd_u32(r);
	st->stx_dev_minor = lfs_rd_u32(r);
}

void lfs_rd_inode(struct lfs_rd *r, struct lisafs_inode *ino)
{
	ino->fdid = lfs_rd_u64(r);
	lfs_rd_statx(r, &ino->stat);
}

uint8_t *lfs_wr_reserve(struct lfs_wr *w, size_t n)
{
	uint8_t *p;

	if (w->over || n > w->cap - w->off) {
		w->over = true;
		return NULL;
	}
	p = w->p + w->off;
	w->off += n;
	return p;
}

void lfs_wr_bytes(struct lfs_wr *w, const void *src, size_t n)
{
	uint8_t *p = lfs_wr_reserve(w, n);

	if (p && n)
		memcpy(p, src, n);
}

#define DEFINE_WR(bits)						\
void lfs_wr_u##bits(struct lfs_wr *w, uint##bits##_t v)		\
{								\
	lfs_wr_bytes(w, &v, sizeof(v));				\
}
DEFINE_WR(8)
DEFINE_WR(16)
DEFINE_WR(32)
DEFINE_WR(64)

void lfs_wr_string(struct lfs_wr *w, const char *s, size_t len)
{
	if (len > UINT16_MAX) {
		w->over = true;
		return;
	}
	lfs_wr_u16(w, (uint16_t)len);
	lfs_wr_bytes(w, s, len);
}

/* Statx is the first 144 bytes of struct statx, field for field. */
static_assert(offsetof(struct statx, stx_dev_minor) + 4 == LISAFS_STATX_BYTES,
	      "struct statx prefix is lisafs Statx");

void lfs_wr_statx(struct lfs_wr *w, const struct statx *st)
{
	uint8_t *p = lfs_wr_reserve(w, LISAFS_STATX_BYTES);

	if (!p)
		return;
	memcpy(p, st, LISAFS_STATX_BYTES);
	/* The spare fields must not leak stack or kernel padding. */
	memset(p + 30, 0, 2);
	memset(p + 76, 0, 4);
	memset(p + 92, 0, 4);
	memset(p + 108, 0, 4);
	memset(p + 124, 0, 4);
}

void lfs_wr_inode(struct lfs_wr *w, const struct lisafs_inode *ino)
{
	lfs_wr_u64(w, ino->fdid);
	lfs_wr_statx(w, &ino->stat);
}

void lfs_rd_create_common(struct lfs_rd *r, struct lfs_create_common *cc)
{
	cc->dirfd = lfs_rd_u64(r);
	cc->uid = lfs_rd_u32(r);
	cc->gid = lfs_rd_u32(r);
	cc->mode = lfs_rd_u16(r);
	lfs_rd_bytes(r, 6);
}

void lfs_wr_create_common(struct lfs_wr *w, uint64_t dirfd, uint32_t uid,
			  uint32_t gid, uint16_t mode)
{
	lfs_wr_u64(w, dirfd);
	lfs_wr_u32(w, uid);
	lfs_wr_u32(w, gid);
	lfs_wr_u16(w, mode);
	lfs_wr_bytes(w, "\0\0\0\0\0\0", 6);
}
