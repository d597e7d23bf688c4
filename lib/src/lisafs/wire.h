/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lisafs payload encoding: bounded little-endian readers and writers. Every
 * message of MIDs 1-33 is decoded through these, so one place guarantees
 * that a short or inconsistent payload is an error, never a read or write
 * past the buffer. A reader that runs short latches `bad`; callers check it
 * once after decoding a message. Fields are copied out once (memcpy), so a
 * peer that rewrites shared memory mid-decode cannot make a value change
 * between its check and its use.
 */
#ifndef FLIPCALL_LISAFS_WIRE_H
#define FLIPCALL_LISAFS_WIRE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <flipcall/lisafs.h>

/* Longest name lisafs will pass to a system call (NAME_MAX), plus NUL. */
#define LFS_NAME_BUF	256
/* Longest symlink target (PATH_MAX), plus NUL. */
#define LFS_PATH_BUF	4096

struct lfs_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool bad;
};

struct lfs_wr {
	uint8_t *p;
	size_t cap;
	size_t off;
	bool over;
};

static inline void lfs_rd_init(struct lfs_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->bad = false;
}

static inline void lfs_wr_init(struct lfs_wr *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->off = 0;
	w->over = false;
}

uint8_t lfs_rd_u8(struct lfs_rd *r);
uint16_t lfs_rd_u16(struct lfs_rd *r);
uint32_t lfs_rd_u32(struct lfs_rd *r);
uint64_t lfs_rd_u64(struct lfs_rd *r);
/* Pointer to n bytes in the payload (NULL and bad when short). */
const uint8_t *lfs_rd_bytes(struct lfs_rd *r, size_t n);
/* A SizedString copied into buf (cap bytes, NUL added): -EIO when short,
 * -ENAMETOOLONG when it does not fit, -EINVAL when it holds a NUL.
 */
int lfs_rd_string(struct lfs_rd *r, char *buf, size_t cap, uint16_t *len);
/* A SizedString that must also be a safe single path component. */
int lfs_rd_name(struct lfs_rd *r, char name[LFS_NAME_BUF]);
/*
 * A handler's verdict on a decoded request: a short one is -EIO whatever
 * a field reported first (gVisor fails the whole unmarshal), else
 * field_err, the first field's own error (0 if all were fine).
 */
static inline int lfs_rd_result(const struct lfs_rd *r, int field_err)
{
	return r->bad ? -EIO : field_err;
}

void lfs_rd_statx(struct lfs_rd *r, struct statx *st);
void lfs_rd_inode(struct lfs_rd *r, struct lisafs_inode *ino);

void lfs_wr_u8(struct lfs_wr *w, uint8_t v);
void lfs_wr_u16(struct lfs_wr *w, uint16_t v);
void lfs_wr_u32(struct lfs_wr *w, uint32_t v);
void lfs_wr_u64(struct lfs_wr *w, uint64_t v);
void lfs_wr_bytes(struct lfs_wr *w, const void *p, size_t n);
/* Reserve n bytes and return where they start (NULL and over if no room). */
uint8_t *lfs_wr_reserve(struct lfs_wr *w, size_t n);
void lfs_wr_string(struct lfs_wr *w, const char *s, size_t len);
void lfs_wr_statx(struct lfs_wr *w, const struct statx *st);
void lfs_wr_inode(struct lfs_wr *w, const struct lisafs_inode *ino);

/* createCommon, the head of every create request (24 bytes). */
struct lfs_create_common {
	uint64_t dirfd;
	uint32_t uid;
	uint32_t gid;
	uint16_t mode;		/* includes the file type bits */
};

void lfs_rd_create_common(struct lfs_rd *r, struct lfs_create_common *cc);
void lfs_wr_create_common(struct lfs_wr *w, uint64_t dirfd, uint32_t uid,
			  uint32_t gid, uint16_t mode);

/* gVisor's checkSafeName: not "", ".", "..", and no '/'. */
bool lfs_name_is_safe(const char *name, size_t len);

#endif
