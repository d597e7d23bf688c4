// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * sharedmem benchmark: one-way packet rate between two processes through
 * the sharedmem TX queue (batched sends, the receiver sleeping with
 * notifications on only when idle), beside a unix SOCK_SEQPACKET
 * socketpair and a packet-mode pipe (O_DIRECT) carrying the same packets
 * in the same run, for 64 and 1500-byte packets. The receiver checks
 * every packet's sequence number, reading sharedmem packets in place and,
 * in the sharedmem-copy row, copying them out like the socket readers;
 * the rate runs from the first packet received to the last. Rows run interleaved in rounds and
 * report their median round. Prints a table, ratios, and JSON.
 *
 *   sharedmem_bench [-n packets per run] [-r rounds] [-P cross|any]
 *                   [-j file.json]
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <flipcall/sharedmem.h>

#include "pin_cpu.h"

#define BATCH		32
#define MAX_ROUNDS	15
#define TARGET_MPPS	5.0
#define TARGET_RATIO	5.0

/*
 * sharedmem-copy copies each packet out of shared memory, as a socket's
 * reader gets it; sharedmem reads it in place through recv_batch's iovecs
 * (what a bridge writing them on with writev does) and checks only the
 * sequence number.
 */
enum mech { MECH_SHM, MECH_SHM_COPY, MECH_SEQPACKET, MECH_PIPE, NMECH };
static const char *const mech_name[NMECH] = {
	"sharedmem", "sharedmem-copy", "socketpair-seqpacket", "pipe-packet",
};
static const size_t sizes[] = { 64, 1500 };
#define NSIZES	(sizeof(sizes) / sizeof(sizes[0]))

static long packets = 1000000;
static int rounds = 3;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Placement: "cross" puts the receiver on CPU 0 and the sender on CPU 1;
 * "any" leaves both to the scheduler (which may run them on one CPU).
 */
static int pinned = 1;
static cpu_set_t initial_cpus;

static void pin(int cpu)
{
	if (pinned && sysconf(_SC_NPROCESSORS_ONLN) >= 2)
		(void)bench_pin_cpu(cpu);
}

/* The receiver (this process) goes back to every CPU after a run. */
static void unpin(void)
{
	sched_setaffinity(0, sizeof(initial_cpus), &initial_cpus);
}

/* ---- the receiving side's bookkeeping, shared by every mechanism ---- */

struct rx_state {
	uint64_t expect;
	uint64_t bad;
	int64_t first_ns, last_ns;
	int one_thread;		/* no sequence numbers to check */
	uint8_t copy[2048];
};

static void rx_account(struct rx_state *s, const void *pkt, size_t len)
{
	uint64_t seq;

	if (s->one_thread)
		return;

	if (!s->expect)
		s->first_ns = now_ns();
	memcpy(&seq, pkt, sizeof(seq));
	if (seq != s->expect || len < sizeof(seq))
		s->bad++;
	s->expect++;
	if ((long)s->expect == packets)
		s->last_ns = now_ns();
}

static double rx_rate(const struct rx_state *s)
{
	if (s->bad || s->last_ns <= s->first_ns)
		return 0;
	return (double)(packets - 1) * 1e9 / (double)(s->last_ns - s->first_ns);
}

/* ---- sharedmem ------------------------------------------------------ */

static int shm_in_place(const struct iovec *iov, int iovcnt, size_t len,
			void *arg)
{
	rx_account(arg, iov[0].iov_base, iovcnt ? len : 0);
	return 0;
}

static int shm_copy(const struct iovec *iov, int iovcnt, size_t len, void *arg)
{
	struct rx_state *s = arg;
	size_t off = 0;

	for (int i = 0; i < iovcnt && off + iov[i].iov_len <= sizeof(s->copy);
	     i++) {
		memcpy(s->copy + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	rx_account(s, s->copy, len);
	return 0;
}

static int shm_send_all(struct sharedmem_endpoint *ep, size_t size)
{
	static uint8_t bufs[BATCH][2048];
	struct iovec iov[BATCH];
	const struct iovec *pkts[BATCH];
	int cnts[BATCH];
	uint64_t seq = 0;
	unsigned int full = 0;

	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = size;
		pkts[i] = &iov[i];
		cnts[i] = 1;
	}
	while ((long)seq < packets) {
		int n = packets - (long)seq < BATCH ? (int)(packets - seq) :
			BATCH, r;

		for (int i = 0; i < n; i++) {
			uint64_t s = seq + i;

			memcpy(bufs[i], &s, sizeof(s));
		}
		r = sharedmem_endpoint_send_batch(ep, pkts, cnts, n);
		if (r == -EAGAIN) {
			/*
			 * The server does not ring for completions: retry,
			 * giving the CPU away only after a while.
			 */
			if (++full % 64 == 0)
				sched_yield();
			continue;
		}
		if (r < 0)
			return r;
		seq += r;
	}
	return 0;
}

static double run_shm(size_t size, sharedmem_packet_fn deliver)
{
	struct sharedmem_queue_config tx, rx;
	struct sharedmem_endpoint *server;
	struct rx_state s = { 0 };
	int status;
	pid_t pid;

	if (sharedmem_queue_pair_create(NULL, &tx, &rx))
		return 0;
	pid = fork();
	if (pid == 0) {
		struct sharedmem_endpoint *client;

		pin(1);
		if (sharedmem_endpoint_create(SHAREDMEM_CLIENT, &tx, &rx, NULL,
					      &client))
			_exit(1);
		_exit(shm_send_all(client, size) ? 1 : 0);
	}
	if (sharedmem_endpoint_create(SHAREDMEM_SERVER, &tx, &rx, NULL,
				      &server)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return 0;
	}
	pin(0);
	while ((long)s.expect < packets) {
		int r = sharedmem_endpoint_recv_batch(server, deliver, &s,
						      BATCH * 2);

		if (r == -EAGAIN)
			r = sharedmem_endpoint_wait(server, 5000);
		if (r < 0 || (r == 0 && (long)s.expect < packets)) {
			s.bad++;
			break;
		}
	}
	sharedmem_endpoint_destroy(server);
	waitpid(pid, &status, 0);
	unpin();
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return 0;
	return rx_rate(&s);
}

/*
 * The library's own cost: both ends in one thread, batches of BATCH sent
 * and received in turn, so no wake-up or cross-CPU traffic is counted.
 * Not a two-process rate; it shows what the CPUs would allow.
 */
static double run_shm_one_thread(size_t size)
{
	static uint8_t buf[2048];
	struct sharedmem_queue_config tx, rx, tx2, rx2;
	struct sharedmem_endpoint *client = NULL, *server = NULL;
	struct iovec iov[BATCH];
	const struct iovec *pkts[BATCH];
	int cnts[BATCH];
	struct rx_state s = { .one_thread = 1 };
	int64_t start;
	double rate = 0;
	long done = 0;

	if (sharedmem_queue_pair_create(NULL, &tx, &rx))
		return 0;
	tx2 = tx;
	rx2 = rx;
	tx2.data_fd = dup(tx.data_fd);
	tx2.event_fd = dup(tx.event_fd);
	tx2.tx_pipe_fd = dup(tx.tx_pipe_fd);
	tx2.rx_pipe_fd = dup(tx.rx_pipe_fd);
	tx2.shared_data_fd = dup(tx.shared_data_fd);
	rx2.data_fd = dup(rx.data_fd);
	rx2.event_fd = dup(rx.event_fd);
	rx2.tx_pipe_fd = dup(rx.tx_pipe_fd);
	rx2.rx_pipe_fd = dup(rx.rx_pipe_fd);
	rx2.shared_data_fd = dup(rx.shared_data_fd);
	if (sharedmem_endpoint_create(SHAREDMEM_CLIENT, &tx, &rx, NULL,
				      &client) ||
	    sharedmem_endpoint_create(SHAREDMEM_SERVER, &tx2, &rx2, NULL,
				      &server))
		goto out;
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = buf;
		iov[i].iov_len = size;
		pkts[i] = &iov[i];
		cnts[i] = 1;
	}
	start = now_ns();
	while (done < packets) {
		if (sharedmem_endpoint_send_batch(client, pkts, cnts, BATCH) !=
		    BATCH)
			goto out;
		for (int got = 0; got < BATCH;) {
			int r = sharedmem_endpoint_recv_batch(server, shm_copy,
							      &s, BATCH);

			if (r <= 0)
				goto out;
			got += r;
		}
		done += BATCH;
	}
	rate = (double)done * 1e9 / (double)(now_ns() - start);
out:
	sharedmem_endpoint_destroy(client);
	sharedmem_endpoint_destroy(server);
	return rate;
}

/* ---- kernel baselines: one syscall per packet each side ------------- */

static double run_fd_pair(int rfd, int wfd, size_t size)
{
	struct rx_state s = { 0 };
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		uint8_t buf[2048] = { 0 };

		close(rfd);
		pin(1);
		for (uint64_t seq = 0; (long)seq < packets; seq++) {
			memcpy(buf, &seq, sizeof(seq));
			if (write(wfd, buf, size) != (ssize_t)size)
				_exit(1);
		}
		_exit(0);
	}
	close(wfd);
	pin(0);
	while ((long)s.expect < packets) {
		ssize_t n = read(rfd, s.copy, sizeof(s.copy));

		if (n <= 0) {
			s.bad++;
			break;
		}
		rx_account(&s, s.copy, (size_t)n);
	}
	close(rfd);
	waitpid(pid, &status, 0);
	unpin();
	return rx_rate(&s);
}

static double run_seqpacket(size_t size)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return 0;
	return run_fd_pair(sv[0], sv[1], size);
}

static double run_pipe(size_t size)
{
	int p[2];

	/* O_DIRECT: packet mode, one read per write, like the others. */
	if (pipe2(p, O_DIRECT | O_CLOEXEC))
		return 0;
	return run_fd_pair(p[0], p[1], size);
}

/* ---- report --------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	static double res[NMECH][NSIZES][MAX_ROUNDS];
	static double one[NSIZES][MAX_ROUNDS];
	double med[NMECH][NSIZES];
	const char *json_path = NULL;
	FILE *json;
	int opt, ok = 1;

	sched_getaffinity(0, sizeof(initial_cpus), &initial_cpus);
	while ((opt = getopt(argc, argv, "n:r:j:P:")) != -1) {
		switch (opt) {
		case 'n':
			packets = atol(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'P':
			pinned = strcmp(optarg, "any") != 0;
			break;
		default:
			fprintf(stderr, "usage: %s [-n packets] [-r rounds] [-P cross|any] [-j file]\n",
				argv[0]);
			return 2;
		}
	}
	if (packets < 2 || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "bad -n or -r\n");
		return 2;
	}
	for (int r = 0; r < rounds; r++) {
		for (size_t z = 0; z < NSIZES; z++) {
			res[MECH_SHM][z][r] = run_shm(sizes[z], shm_in_place);
			res[MECH_SHM_COPY][z][r] = run_shm(sizes[z], shm_copy);
			res[MECH_SEQPACKET][z][r] = run_seqpacket(sizes[z]);
			res[MECH_PIPE][z][r] = run_pipe(sizes[z]);
			one[z][r] = run_shm_one_thread(sizes[z]);
		}
	}
	printf("sharedmem one-way packet rate, %ld packets per run, median of %d rounds, %ld CPUs, %s\n",
	       packets, rounds, sysconf(_SC_NPROCESSORS_ONLN),
	       pinned ? "receiver on CPU 0, sender on CPU 1" : "unpinned");
	printf("%-22s %8s %12s %10s\n", "mechanism", "size", "Mpps", "Gbit/s");
	for (int m = 0; m < NMECH; m++) {
		for (size_t z = 0; z < NSIZES; z++) {
			med[m][z] = median(res[m][z], rounds);
			if (med[m][z] <= 0)
				ok = 0;
			printf("%-22s %8zu %12.3f %10.2f\n", mech_name[m],
			       sizes[z], med[m][z] / 1e6,
			       med[m][z] * sizes[z] * 8 / 1e9);
		}
	}
	for (size_t z = 0; z < NSIZES; z++) {
		double m = median(one[z], rounds);

		printf("sharedmem library cost, %zu B, send + receive in one thread: %.0f ns per packet (%.2f Mpps)\n",
		       sizes[z], m > 0 ? 1e9 / m : 0, m / 1e6);
	}
	for (size_t z = 0; z < NSIZES; z++) {
		for (int m = MECH_SHM; m <= MECH_SHM_COPY; m++) {
			double rs = med[MECH_SEQPACKET][z] > 0 ?
				    med[m][z] / med[MECH_SEQPACKET][z] : 0;
			double rp = med[MECH_PIPE][z] > 0 ?
				    med[m][z] / med[MECH_PIPE][z] : 0;

			printf("ratio %s/socketpair %zu B: %.2fx (target >= %.1fx)%s; /pipe: %.2fx\n",
			       mech_name[m], sizes[z], rs, TARGET_RATIO,
			       rs >= TARGET_RATIO ? "" : " MISSED", rp);
		}
	}
	for (int m = MECH_SHM; m <= MECH_SHM_COPY; m++)
		printf("%s 64 B: %.2f Mpps (target >= %.1f Mpps)%s\n",
		       mech_name[m], med[m][0] / 1e6, TARGET_MPPS,
		       med[m][0] / 1e6 >= TARGET_MPPS ? "" : " MISSED");

	json = json_path ? fopen(json_path, "w") : NULL;
	for (int pass = 0; pass < (json ? 2 : 1); pass++) {
		FILE *f = pass ? json : stdout;

		fprintf(f, "{\"benchmark\":\"sharedmem\",\"packets\":%ld,\"rounds\":%d,\"placement\":\"%s\",\"rows\":[",
			packets, rounds, pinned ? "cross" : "any");
		for (int m = 0; m < NMECH; m++)
			for (size_t z = 0; z < NSIZES; z++)
				fprintf(f, "%s{\"mechanism\":\"%s\",\"size\":%zu,\"pps\":%.0f}",
					m || z ? "," : "", mech_name[m],
					sizes[z], med[m][z]);
		fprintf(f, "],\"ratio_vs_socketpair\":{\"64\":%.3f,\"1500\":%.3f},\"copy_ratio_vs_socketpair\":{\"64\":%.3f,\"1500\":%.3f}}\n",
			med[MECH_SEQPACKET][0] > 0 ?
			med[MECH_SHM][0] / med[MECH_SEQPACKET][0] : 0,
			med[MECH_SEQPACKET][1] > 0 ?
			med[MECH_SHM][1] / med[MECH_SEQPACKET][1] : 0,
			med[MECH_SEQPACKET][0] > 0 ?
			med[MECH_SHM_COPY][0] / med[MECH_SEQPACKET][0] : 0,
			med[MECH_SEQPACKET][1] > 0 ?
			med[MECH_SHM_COPY][1] / med[MECH_SEQPACKET][1] : 0);
	}
	if (json)
		fclose(json);
	return ok ? 0 : 1;
}
