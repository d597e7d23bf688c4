// SPDX-License-Identifier: GPL-2.0
/*
 * fs-bench: the same file workloads on several directories that show the
 * same files (a plain directory, a lisafs-fuse mount of it, a passthrough
 * FUSE mount of it), one after another in one run, with ratios to the
 * columns named "direct" and "passthrough".
 *
 *   fs-bench --prepare DIR [-n FILES] [-s MIB]
 *   fs-bench [-n FILES] [-s MIB] [-r READS] [-R REPS] [-S SLICES] [-j JSON]
 *            NAME=DIR...
 *
 * --prepare creates DIR/stat/f00000.. (FILES empty files) and DIR/big (MIB
 * MiB). A run stats every file, reads big sequentially in 1 MiB reads,
 * makes READS 4 KiB reads at random offsets, and creates FILES small files
 * under DIR/create-NAME-REP. run-fs-bench.sh mounts and calls it.
 *
 * A busy host moves every number by several times from one second to the
 * next, so the targets are interleaved: a repetition runs each workload in
 * SLICES slices (default 10), every target running a slice in turn, the
 * order rotating, so that all targets share the same stretch of time. A row
 * reports the median over REPS repetitions (default 5), the spread
 * (min-max), and the median of the per-repetition ratios.
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
#define MAX_REPS 99
#define N_WORKLOADS 4
#define SEQ_CHUNK (1 << 20)
#define RAND_BLOCK 4096

struct target {
	const char *name, *dir;
	/* per workload and repetition: ops/s, or MiB/s for seq */
	double result[N_WORKLOADS][MAX_REPS];
};

struct config {
	unsigned int files, reads, reps, slices;
	unsigned long long big_bytes;
};

/* A row's summary over the repetitions. */
struct spread {
	double median, min, max;
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

/*
 * Each workload runs one slice [lo, hi) of its items (files, MiB, reads)
 * and returns the seconds it took; a repetition runs the slices of every
 * target in turn.
 */
static double run_stat(const char *dir, unsigned int lo, unsigned int hi)
{
	char path[4096];
	struct stat st;
	unsigned int i;
	double t = now();

	for (i = lo; i < hi; i++) {
		path_of(path, sizeof(path), dir, "stat", i);
		if (stat(path, &st))
			die("stat", path);
	}
	return now() - t;
}

/* MiB lo to hi of big, in 1 MiB reads from one open. */
static double run_seq(const char *dir, unsigned int lo, unsigned int hi)
{
	static char buf[SEQ_CHUNK];
	char path[4096];
	unsigned int i;
	double t;
	int fd;

	snprintf(path, sizeof(path), "%s/big", dir);
	t = now();
	fd = open(path, O_RDONLY);
	if (fd < 0 || lseek(fd, (off_t)lo * SEQ_CHUNK, SEEK_SET) < 0)
		die("open", path);
	for (i = lo; i < hi; i++)
		if (read(fd, buf, SEQ_CHUNK) != SEQ_CHUNK)
			die("read", path);
	close(fd);
	return now() - t;
}

/* The block of read i: the same sequence on every target, in any slices. */
static unsigned long long block_of(unsigned int i, unsigned long long blocks)
{
	unsigned long long x = i + 0x9e3779b97f4a7c15ull;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31)) % blocks;
}

static double run_rand(const char *dir, const struct config *c,
		       unsigned int lo, unsigned int hi)
{
	unsigned long long blocks = c->big_bytes / RAND_BLOCK;
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
	for (i = lo; i < hi; i++)
		if (pread(fd, buf, RAND_BLOCK,
			  (off_t)block_of(i, blocks) * RAND_BLOCK) != RAND_BLOCK)
			die("pread", path);
	t = now() - t;
	close(fd);
	return t;
}

static void create_dir_name(char *buf, size_t n, const char *name,
			    unsigned int rep)
{
	snprintf(buf, n, "create-%s-%u", name, rep);
}

static double run_create(const char *dir, const char *name, unsigned int rep,
			 unsigned int lo, unsigned int hi)
{
	char sub[256], path[4096], data[100];
	unsigned int i;
	double t;
	int fd;

	memset(data, 'x', sizeof(data));
	create_dir_name(sub, sizeof(sub), name, rep);
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (lo == 0 && mkdir(path, 0755))
		die("mkdir", path);
	t = now();
	for (i = lo; i < hi; i++) {
		path_of(path, sizeof(path), dir, sub, i);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0 || write(fd, data, sizeof(data)) != sizeof(data))
			die("create", path);
		close(fd);
	}
	return now() - t;
}

/*
 * Removes what run_create made, through base (the plain directory when there
 * is one: quick, and untimed), so every repetition starts from the same
 * number of files on the host.
 */
static void remove_created(const char *base, const char *name,
			   unsigned int rep, const struct config *c)
{
	char sub[256], path[4096];
	unsigned int i;

	create_dir_name(sub, sizeof(sub), name, rep);
	for (i = 0; i < c->files; i++) {
		path_of(path, sizeof(path), base, sub, i);
		if (unlink(path))
			die("unlink", path);
	}
	snprintf(path, sizeof(path), "%s/%s", base, sub);
	if (rmdir(path))
		die("rmdir", path);
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static struct spread spread_of(const double *v, unsigned int n)
{
	double sorted[MAX_REPS];
	struct spread s;

	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), cmp_double);
	s.min = sorted[0];
	s.max = sorted[n - 1];
	s.median = n % 2 ? sorted[n / 2] :
		   (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
	return s;
}

/*
 * How many times slower than the reference (higher is worse), one ratio per
 * repetition: both measured within seconds of each other.
 */
static struct spread slowdown(const struct target *t, const struct target *ref,
			      int w, const struct config *c)
{
	double r[MAX_REPS];
	unsigned int i;

	for (i = 0; i < c->reps; i++)
		r[i] = ref && t->result[w][i] > 0 ?
		       ref->result[w][i] / t->result[w][i] : 0;
	return spread_of(r, c->reps);
}

static void print_table(const struct target *t, int n, const struct config *c)
{
	const struct target *direct = find(t, n, "direct");
	const struct target *pt = find(t, n, "passthrough");
	struct spread s, sd, sp;
	int i, w;

	printf("fs-bench: %u files, %llu MiB file, %u random 4 KiB reads, "
	       "%u repetitions of %u interleaved slices\n",
	       c->files, c->big_bytes >> 20, c->reads, c->reps, c->slices);
	printf("%-13s %-6s %-16s %10s %21s   %s\n", "workload", "unit", "target",
	       "median", "min-max", "slowdown: vs direct / vs passthrough "
	       "(median of per-repetition ratios [min-max])");
	for (w = 0; w < N_WORKLOADS; w++) {
		for (i = 0; i < n; i++) {
			s = spread_of(t[i].result[w], c->reps);
			printf("%-13s %-6s %-16s %10.0f %10.0f-%-10.0f",
			       workloads[w], units[w], t[i].name, s.median,
			       s.min, s.max);
			sd = slowdown(&t[i], direct, w, c);
			sp = slowdown(&t[i], pt, w, c);
			if (&t[i] != direct && direct)
				printf("   %.2fx [%.2f-%.2f]", sd.median, sd.min,
				       sd.max);
			if (&t[i] != pt && &t[i] != direct && pt)
				printf(" / %.2fx [%.2f-%.2f]", sp.median,
				       sp.min, sp.max);
			printf("\n");
		}
	}
}

static void print_spread(FILE *f, const char *key, struct spread s)
{
	fprintf(f, ",\"%s\":%.3f,\"%s_min\":%.3f,\"%s_max\":%.3f", key,
		s.median, key, s.min, key, s.max);
}

static void write_json(const struct target *t, int n, const struct config *c,
		       const char *json)
{
	const struct target *direct = find(t, n, "direct");
	const struct target *pt = find(t, n, "passthrough");
	unsigned int r;
	FILE *f;
	int i, w;

	f = fopen(json, "w");
	if (!f)
		die("open", json);
	fprintf(f, "{\"files\":%u,\"big_mib\":%llu,\"reads\":%u,"
		"\"repetitions\":%u,\"slices\":%u,\"results\":[",
		c->files, c->big_bytes >> 20, c->reads, c->reps, c->slices);
	for (w = 0; w < N_WORKLOADS; w++) {
		for (i = 0; i < n; i++) {
			fprintf(f, "%s{\"workload\":\"%s\",\"target\":\"%s\","
				"\"unit\":\"%s\",\"samples\":[",
				w || i ? "," : "", workloads[w], t[i].name,
				units[w]);
			for (r = 0; r < c->reps; r++)
				fprintf(f, "%s%.1f", r ? "," : "",
					t[i].result[w][r]);
			fprintf(f, "]");
			print_spread(f, "value",
				     spread_of(t[i].result[w], c->reps));
			print_spread(f, "slowdown_vs_direct",
				     slowdown(&t[i], direct, w, c));
			print_spread(f, "slowdown_vs_passthrough",
				     slowdown(&t[i], pt, w, c));
			fprintf(f, "}");
		}
	}
	fprintf(f, "]}\n");
	fclose(f);
	printf("JSON in %s\n", json);
}

/* Files, MiB or reads: what workload w counts. */
static unsigned int items_of(int w, const struct config *c)
{
	if (w == 1)
		return (unsigned int)(c->big_bytes / SEQ_CHUNK);
	return w == 2 ? c->reads : c->files;
}

/* Runs slice of workload w (0-3) on t; returns the seconds it took. */
static double run_slice(const struct target *t, int w, unsigned int rep,
			unsigned int slice, const struct config *c)
{
	unsigned int items = items_of(w, c);
	unsigned int lo = (unsigned long long)items * slice / c->slices;
	unsigned int hi = (unsigned long long)items * (slice + 1) / c->slices;

	if (lo == hi)
		return 0;
	switch (w) {
	case 0: return run_stat(t->dir, lo, hi);
	case 1: return run_seq(t->dir, lo, hi);
	case 2: return run_rand(t->dir, c, lo, hi);
	default: return run_create(t->dir, t->name, rep, lo, hi);
	}
}

/*
 * One repetition: each workload in SLICES slices, every target running a
 * slice back to back (the order rotating by one target per slice and per
 * repetition), so each target's total covers the same stretch of time as
 * the others' and a burst of load on the host lands on all of them.
 */
static void run_repetition(struct target *t, int n, unsigned int rep,
			   const struct config *c)
{
	const struct target *direct = find(t, n, "direct");
	double secs[MAX_TARGETS];
	unsigned int slice;
	int i, k, w;

	for (w = 0; w < N_WORKLOADS; w++) {
		/* the last repetition's inodes, and a cold start for all */
		if (w == 0 || w == 3)
			drop_inodes();
		memset(secs, 0, sizeof(secs));
		for (slice = 0; slice < c->slices; slice++) {
			for (k = 0; k < n; k++) {
				i = (k + rep + slice) % n;
				secs[i] += run_slice(&t[i], w, rep, slice, c);
			}
		}
		for (i = 0; i < n; i++)
			t[i].result[w][rep] = secs[i] > 0 ?
					      items_of(w, c) / secs[i] : 0;
	}
	for (i = 0; i < n; i++)
		remove_created(direct ? direct->dir : t[i].dir, t[i].name,
			       rep, c);
}

int main(int argc, char **argv)
{
	struct config c = { .files = 10000, .reads = 20000, .reps = 5,
			    .slices = 10,
			    .big_bytes = 256ull << 20 };
	static struct target t[MAX_TARGETS];
	const char *json = NULL, *prep = NULL;
	unsigned int rep;
	int opt, n = 0, i;

	static const struct option longopts[] = {
		{ "prepare", required_argument, NULL, 'p' },
		{ 0 }
	};
	while ((opt = getopt_long(argc, argv, "n:s:r:R:S:j:", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'p': prep = optarg; break;
		case 'n': c.files = strtoul(optarg, NULL, 0); break;
		case 's': c.big_bytes = strtoull(optarg, NULL, 0) << 20; break;
		case 'r': c.reads = strtoul(optarg, NULL, 0); break;
		case 'R': c.reps = strtoul(optarg, NULL, 0); break;
		case 'S': c.slices = strtoul(optarg, NULL, 0); break;
		case 'j': json = optarg; break;
		default:
			fprintf(stderr, "usage: fs-bench --prepare DIR | [-n FILES] "
				"[-s MIB] [-r READS] [-R REPS] [-S SLICES] [-j JSON] "
				"NAME=DIR...\n");
			return 2;
		}
	}
	if (!c.files || !c.reads || !c.big_bytes || !c.reps || !c.slices ||
	    c.reps > MAX_REPS) {
		fprintf(stderr, "fs-bench: -n, -s, -r and -S must be positive, "
			"-R within 1-%d\n", MAX_REPS);
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
	if (!n) {
		fprintf(stderr, "fs-bench: no NAME=DIR to measure\n");
		return 2;
	}
	for (rep = 0; rep < c.reps; rep++) {
		run_repetition(t, n, rep, &c);
		fprintf(stderr, "fs-bench: repetition %u of %u done\n",
			rep + 1, c.reps);
	}
	print_table(t, n, &c);
	if (json)
		write_json(t, n, &c, json);
	return 0;
}
