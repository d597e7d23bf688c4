// SPDX-License-Identifier: GPL-2.0
/*
 * Directories. lisafs's Getdents64 only reads onward or restarts, while the
 * kernel resumes readdir at any offset it was given, so a directory handle
 * reads the whole listing when the kernel starts at offset 0 and serves
 * entries by index from that snapshot. readdirplus walks each name as a
 * lookup would, so the kernel gets the inode and its attributes at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lisafs-fuse.h"

/* Bytes of dirents asked for per Getdents64 call. */
#define LFS_GETDENTS_BYTES (64 * 1024)

struct lfs_dirent {
	uint64_t ino;
	size_t name_off;
	uint8_t type;
};

struct lfs_dir {
	uint64_t open_fd;
	pthread_mutex_t lock;
	struct lfs_dirent *ents;
	size_t n, cap;
	char *names;
	size_t names_len, names_cap;
	int load_err;
};

static struct lfs_dir *dir_of(struct fuse_file_info *fi)
{
	return (struct lfs_dir *)(uintptr_t)fi->fh;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

static int add_dirent(const struct lisafs_dirent *d, void *arg)
{
	struct lfs_dir *dir = arg;
	struct lfs_dirent *e;

	if (grow((void **)&dir->ents, &dir->cap, dir->n + 1, sizeof(*e)) ||
	    grow((void **)&dir->names, &dir->names_cap,
		 dir->names_len + d->name_len + 1, 1)) {
		dir->load_err = -ENOMEM;
		return 1;
	}
	e = &dir->ents[dir->n++];
	e->ino = d->ino;
	e->type = d->type;
	e->name_off = dir->names_len;
	memcpy(dir->names + dir->names_len, d->name, d->name_len);
	dir->names_len += d->name_len;
	dir->names[dir->names_len++] = '\0';
	return 0;
}

static int load(struct lfs *fs, struct lfs_dir *dir)
{
	int32_t count = -LFS_GETDENTS_BYTES;	/* negative: from the start */
	int n;

	dir->n = 0;
	dir->names_len = 0;
	dir->load_err = 0;
	do {
		n = lisafs_client_getdents64(fs->client, dir->open_fd, count,
					     add_dirent, dir);
		count = LFS_GETDENTS_BYTES;
	} while (n > 0 && !dir->load_err);
	return dir->load_err ? dir->load_err : (n < 0 ? n : 0);
}

static void lfs_opendir(fuse_req_t req, fuse_ino_t ino,
			struct fuse_file_info *fi)
{
	struct lfs *fs = lfs_of(req);
	struct lfs_dir *dir = calloc(1, sizeof(*dir));
	int host_fd = -1, err;

	if (!dir)
		return lfs_fail(req, ENOMEM);
	err = lisafs_client_openat(fs->client, lfs_node(&fs->nodes, ino)->fdid,
				   O_RDONLY, &dir->open_fd, &host_fd);
	if (host_fd >= 0)
		close(host_fd);
	if (err) {
		free(dir);
		return lfs_reply_err(req, err);
	}
	pthread_mutex_init(&dir->lock, NULL);
	fi->fh = (uintptr_t)dir;
	if (fuse_reply_open(req, fi)) {
		(void)lisafs_client_close(fs->client, &dir->open_fd, 1);
		pthread_mutex_destroy(&dir->lock);
		free(dir);
	}
}

static bool is_dot(const char *name)
{
	return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

/* The full entry of a name for readdirplus; ino 0 (a plain dirent) if none. */
static void walk_entry(struct lfs *fs, fuse_ino_t dir, uint64_t dirfd,
		       const char *name, struct fuse_entry_param *e)
{
	struct lisafs_inode child;
	size_t n = 1;
	uint8_t status;

	/* "." and ".." are not names lisafs walks. */
	if (is_dot(name))
		return;
	if (lisafs_client_walk(fs->client, dirfd, &name, 1, &child, &n,
			       &status) || n == 0)
		return;
	if (lfs_make_entry(fs, dir, name, &child, e))
		e->ino = 0;
}

/*
 * Entry i into buf at *used; false when it does not fit. A readdirplus
 * entry carries a kernel reference, dropped again if it does not fit.
 */
static bool put_entry(fuse_req_t req, fuse_ino_t ino, uint64_t dirfd,
		      struct lfs_dir *dir, size_t i, bool plus, char *buf,
		      size_t size, size_t *used)
{
	struct lfs *fs = lfs_of(req);
	const char *name = dir->names + dir->ents[i].name_off;
	struct fuse_entry_param e = { 0 };
	size_t len;

	if (!plus) {
		e.attr.st_ino = dir->ents[i].ino;
		e.attr.st_mode = (mode_t)dir->ents[i].type << 12;
		len = fuse_add_direntry(req, buf + *used, size - *used, name,
					&e.attr, i + 1);
		if (len > size - *used)
			return false;
		*used += len;
		return true;
	}
	/* Measure first, so a name that does not fit is not walked. */
	if (fuse_add_direntry_plus(req, NULL, 0, name, NULL, 0) > size - *used)
		return false;
	walk_entry(fs, ino, dirfd, name, &e);
	if (!e.ino) {
		e.attr.st_ino = dir->ents[i].ino;
		e.attr.st_mode = (mode_t)dir->ents[i].type << 12;
	}
	*used += fuse_add_direntry_plus(req, buf + *used, size - *used, name,
					&e, i + 1);
	return true;
}

static void do_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi, bool plus)
{
	struct lfs *fs = lfs_of(req);
	struct lfs_dir *dir = dir_of(fi);
	uint64_t dirfd = lfs_node(&fs->nodes, ino)->fdid;
	size_t used = 0, i;
	char *buf;
	int err = 0;

	buf = malloc(size ? size : 1);
	if (!buf)
		return lfs_fail(req, ENOMEM);
	pthread_mutex_lock(&dir->lock);
	if (off == 0)
		err = load(fs, dir);
	for (i = off; !err && i < dir->n; i++) {
		if (!put_entry(req, ino, dirfd, dir, i, plus, buf, size,
			       &used))
			break;
	}
	pthread_mutex_unlock(&dir->lock);
	if (err)
		lfs_reply_err(req, err);
	else
		fuse_reply_buf(req, buf, used);
	free(buf);
}

static void lfs_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, false);
}

static void lfs_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			    off_t off, struct fuse_file_info *fi)
{
	do_readdir(req, ino, size, off, fi, true);
}

static void lfs_releasedir(fuse_req_t req, fuse_ino_t ino,
			   struct fuse_file_info *fi)
{
	struct lfs_dir *dir = dir_of(fi);

	(void)ino;
	(void)lisafs_client_close(lfs_of(req)->client, &dir->open_fd, 1);
	pthread_mutex_destroy(&dir->lock);
	free(dir->ents);
	free(dir->names);
	free(dir);
	fuse_reply_err(req, 0);
}

static void lfs_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync,
			 struct fuse_file_info *fi)
{
	int err;

	(void)ino;
	(void)datasync;
	err = lisafs_client_fsync(lfs_of(req)->client, &dir_of(fi)->open_fd, 1);
	if (err)
		return lfs_reply_err(req, err);
	fuse_reply_err(req, 0);
}

void lfs_set_dir_ops(struct fuse_lowlevel_ops *ops)
{
	ops->opendir = lfs_opendir;
	ops->readdir = lfs_readdir;
	ops->readdirplus = lfs_readdirplus;
	ops->releasedir = lfs_releasedir;
	ops->fsyncdir = lfs_fsyncdir;
}
