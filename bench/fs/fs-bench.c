// SPDX-License-Identifier: GPL-2.0
/*
 * fs-bench: the same file workloads on several directories that show the
 * same files (a plain directory, a lisafs-fuse mount of it, a passthrough
 * FUSE mount of it), one after another in one run, with ratios to the
 * columns named "direct" and "passthrough".
 *
 *   fs-bench --prepare DIR [-n FILES] [-s MIB]
 *   fs-bench [-n FILES] [-s MIB] [-r READS] [-j JSON] NAME=DIR...
 *
 * --prepare creates DIR/stat/f00000.. (FILES empty files) and DIR/big (MIB
 * MiB). A run stats every file, reads big sequentially in 1 MiB reads,
 * makes READS 4 KiB reads at random offsets, and creates FILES small files
 * under DIR/create-NAME. run-fs-bench.sh mounts and calls it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 8
#define SEQ_CHUNK (1 << 20)
#define RAND_BLOCK 4096

struct target {
	const char *name, *dir;
	double result[4];	/* per workload: ops/s, or MiB/s for seq */
};

struct config {
	unsigned int files, reads;
	unsigned long long big_bytes;
};

static const char *const workloads[] = {
	"stat", "seq_read", "rand_read_4k", "create",
};
static const char *const units[] = { "ops/s", "MiB/s", "ops/s", "ops/s" };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fs-bench: %s %s: %s\n", what, path, strerror(errno));
	exit(1);
}

static void path_of(char *buf, size_t n, const char *dir, const char *sub,
		    unsigned int i)
{
	snprintf(buf, n, "%s/%s/f%05u", dir, sub, i);
}

static void prepare(const char *dir, const struct config *c)
{
	char path[4096], *buf = malloc(SEQ_CHUNK);
	unsigned long long done;
	unsigned int i;
	int fd;

	snprintf(path, sizeof(path), "%s/stat", dir);
	if (!buf || (mkdir(path, 0755) && errno != EEXIST))
		die("mkdir", path);
	for (i = 0; i < c->files; i++) {
		path_of(path, sizeof(path), dir, "stat", i);
		fd = open(path, O_CREAT | O_WRONLY, 0644);
		if (fd < 0)
			die("create", path);
		close(fd);
	}
	snprintf(path, sizeof(path), "%s/big", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		die("create", path);
	for (i = 0; i < SEQ_CHUNK; i++)
		buf[i] = (char)(i * 31 + 7);
	for (done = 0; done < c->big_bytes; done += SEQ_CHUNK) {
		if (write(fd, buf, SEQ_CHUNK) != SEQ_CHUNK)
			die("write", path);
	}
	fsync(fd);
	close(fd);
	free(buf);
}

static double run_stat(const char *dir, const struct config *c)
{
	char path[4096];
	struct stat st;
	unsigned int i;
	double t = now();

	for (i = 0; i < c->files; i++) {
		path_of(path, sizeof(path), dir, "stat", i);
		if (stat(path, &st))
			die("stat", path);
	}
	return c->files / (now() - t);
}

static double run_seq(const char *dir, const struct config *c)
{
	char path[4096], *buf = malloc(SEQ_CHUNK);
	unsigned long long total = 0;
	ssize_t n;
	double t;
	int fd;

	snprintf(path, sizeof(path), "%s/big", dir);
	t = now();
	fd = open(path, O_RDONLY);
	if (fd < 0 || !buf)
		die("open", path);
	while ((n = read(fd, buf, SEQ_CHUNK)) > 0)
		total += n;
	if (n < 0 || total != c->big_bytes)
		die("read", path);
	close(fd);
	t = now() - t;
	free(buf);
	return total / (1024.0 * 1024.0) / t;
}

static double run_rand(const char *dir, const struct config *c)
{
	unsigned long long blocks = c->big_bytes / RAND_BLOCK, x = 88172645463325252ull;
	char path[4096], buf[RAND_BLOCK];
	unsigned int i;
	double t;
	int fd;

	snprintf(path, sizeof(path), "%s/big", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		die("open", path);
	posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
	t = now();
	for (i = 0; i < c->reads; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buf, RAND_BLOCK, (off_t)(x % blocks) * RAND_BLOCK) !=
		    RAND_BLOCK)
			die("pread", path);
	}
	t = now() - t;
	close(fd);
	return c->reads / t;
}

static double run_create(const char *dir, const char *name,
			 const struct config *c)
{
	char sub[256], path[4096], data[100];
	unsigned int i;
	double t;
	int fd;

	memset(data, 'x', sizeof(data));
	snprintf(sub, sizeof(sub), "create-%s", name);
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755))
		die("mkdir", path);
	t = now();
	for (i = 0; i < c->files; i++) {
		path_of(path, sizeof(path), dir, sub, i);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data))
			die("create", path);
		close(fd);
	}
	return c->files / (now() - t);
}

/*
 * Every inode a FUSE mount caches holds a lisafs FDID, a descriptor in the
 * server; stat then create of 10,000 files each can pass a low RLIMIT_NOFILE.
 * Dropping the kernel's dentries and inodes (root only) makes FUSE forget
 * them, and gives every target the same cold start for the create workload.
 */
static void drop_inodes(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);

	sync();
	if (fd < 0 || write(fd, "2", 1) != 1)
		fprintf(stderr, "fs-bench: cannot drop cached inodes (not root?)\n");
	if (fd >= 0)
		close(fd);
}

static const struct target *find(const struct target *t, int n,
				 const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

/* How many times slower than the reference (higher is worse). */
static double slowdown(const struct target *t, const struct target *ref, int w)
{
	return ref && t->result[w] > 0 ? ref->result[w] / t->result[w] : 0;
}

static void report(const struct target *t, int n, const struct config *c,
		   const char *json)
{
	const struct target *direct = find(t, n, "direct");
	const struct target *pt = find(t, n, "passthrough");
	FILE *f;
	int i, w;

	printf("fs-bench: %u files, %llu MiB file, %u random 4 KiB reads\n",
	       c->files, c->big_bytes >> 20, c->reads);
	printf("%-14s %-6s", "workload", "unit");
	for (i = 0; i < n; i++)
		printf(" %14s", t[i].name);
	printf("   slowdown vs direct / vs passthrough\n");
	for (w = 0; w < 4; w++) {
		printf("%-14s %-6s", workloads[w], units[w]);
		for (i = 0; i < n; i++)
			printf(" %14.0f", t[i].result[w]);
		for (i = 0; i < n; i++) {
			if (&t[i] == direct || &t[i] == pt)
				continue;
			printf("   %s %.2fx / %.2fx", t[i].name,
			       slowdown(&t[i], direct, w),
			       slowdown(&t[i], pt, w));
		}
		printf("\n");
	}
	if (!json)
		return;
	f = fopen(json, "w");
	if (!f)
		die("open", json);
	fprintf(f, "{\"files\":%u,\"big_mib\":%llu,\"reads\":%u,\"results\":[",
		c->files, c->big_bytes >> 20, c->reads);
	for (w = 0; w < 4; w++) {
		for (i = 0; i < n; i++) {
			fprintf(f, "%s{\"workload\":\"%s\",\"target\":\"%s\","
				"\"value\":%.1f,\"unit\":\"%s\","
				"\"slowdown_vs_direct\":%.3f,"
				"\"slowdown_vs_passthrough\":%.3f}",
				w || i ? "," : "", workloads[w], t[i].name,
				t[i].result[w], units[w],
				slowdown(&t[i], direct, w),
				slowdown(&t[i], pt, w));
		}
	}
	fprintf(f, "]}\n");
	fclose(f);
	printf("JSON in %s\n", json);
}

int main(int argc, char **argv)
{
	struct config c = { .files = 10000, .reads = 20000,
			    .big_bytes = 256ull << 20 };
	struct target t[MAX_TARGETS];
	const char *json = NULL, *prep = NULL;
	int opt, n = 0, i;

	static const struct option longopts[] = {
		{ "prepare", required_argument, NULL, 'p' },
		{ 0 }
	};
	while ((opt = getopt_long(argc, argv, "n:s:r:j:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'p': prep = optarg; break;
		case 'n': c.files = strtoul(optarg, NULL, 0); break;
		case 's': c.big_bytes = strtoull(optarg, NULL, 0) << 20; break;
		case 'r': c.reads = strtoul(optarg, NULL, 0); break;
		case 'j': json = optarg; break;
		default:
			fprintf(stderr, "usage: fs-bench --prepare DIR | [-n FILES] "
				"[-s MIB] [-r READS] [-j JSON] NAME=DIR...\n");
			return 2;
		}
	}
	if (!c.files || !c.reads || !c.big_bytes) {
		fprintf(stderr, "fs-bench: -n, -s and -r must be positive\n");
		return 2;
	}
	if (prep) {
		prepare(prep, &c);
		return 0;
	}
	for (i = optind; i < argc && n < MAX_TARGETS; i++, n++) {
		char *eq = strchr(argv[i], '=');

		if (!eq) {
			fprintf(stderr, "fs-bench: %s is not NAME=DIR\n", argv[i]);
			return 2;
		}
		*eq = '\0';
		t[n].name = argv[i];
		t[n].dir = eq + 1;
	}
	/* Workload by workload, so every target sees the same host state. */
	for (i = 0; i < n; i++)
		t[i].result[0] = run_stat(t[i].dir, &c);
	for (i = 0; i < n; i++)
		t[i].result[1] = run_seq(t[i].dir, &c);
	for (i = 0; i < n; i++)
		t[i].result[2] = run_rand(t[i].dir, &c);
	for (i = 0; i < n; i++) {
		drop_inodes();
		t[i].result[3] = run_create(t[i].dir, t[i].name, &c);
	}
	report(t, n, &c, json);
	return 0;
}
