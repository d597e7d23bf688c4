// SPDX-License-Identifier: GPL-2.0
/*
 * futex-pingpong (C): one side of gVisor's futex hand-off on a shared page,
 * written exactly like its Go twin (pingpong.go) so the two languages can
 * be paired in any combination and placement (compare.sh). Besides the
 * round trip it measures the wake-up latency: the waker stores the time
 * just before FUTEX_WAKE, the woken side reads the clock as soon as its
 * FUTEX_WAIT returns.
 *
 *   pingpong-c [-t US] [-d US] [-w adaptive|sleep|spin [-Y]]
 *              client|server SHM-FILE [ROUND-TRIPS]
 *
 * -t US adds a thread that sleeps US microseconds in a loop, as the Go
 * runtime's sysmon does (20 us while it keeps retaking the P of a thread
 * blocked in a system call): the experiment that separates "Go" from
 * "a process with a thread that wakes up often on the same CPU".
 *
 * -w POLICY makes the hand-offs through libflipcall with that wait policy
 * instead (pingpong_lib.c); -Y turns off its yields inside a spin. -d US
 * makes a server sleep US microseconds before each reply: a slow peer, to
 * see what waiting for one costs the client in CPU.
 *
 * Page layout (both twins): u32 state at 0 (0 client active, 1 server
 * active, 2 shutdown); u32 datagram length at 4 and "{}\n" at 16 (the
 * flipcall handshake, written by the client for a libflipcall server);
 * u64 wake time at 64 + 8 * side of the waker.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "pingpong.h"

struct side {
	unsigned char *page;
	uint32_t mine, peers;
	int id;
	struct pp_stats st;
};

static uint32_t *state(struct side *s)
{
	return (uint32_t *)s->page;
}

static uint64_t *wake_time(struct side *s, int waker)
{
	return (uint64_t *)(s->page + PP_WAKE_TIME_OFF + 8 * waker);
}

/* CAS(mine -> peers), then FUTEX_WAKE: gVisor's futexSetPeerActive+WakePeer. */
static int hand_over(struct side *s)
{
	uint32_t expected = s->mine;

	__atomic_store_n(wake_time(s, s->id), pp_now_ns(), __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(state(s), &expected, s->peers, 0,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return -EPROTO;
	syscall(SYS_futex, state(s), FUTEX_WAKE, 1, NULL, NULL, 0);
	return 0;
}

/* gVisor's futexWaitUntilActive; records the wake-up latency of each sleep. */
static int wait_turn(struct side *s)
{
	uint32_t v;
	int slept = 0;

	for (;;) {
		v = __atomic_load_n(state(s), __ATOMIC_ACQUIRE);
		if (v == s->mine)
			break;
		if (v == PP_SHUTDOWN)
			return -ESHUTDOWN;
		syscall(SYS_futex, state(s), FUTEX_WAIT, v, NULL, NULL, 0);
		slept = 1;
	}
	pp_note_wait(&s->st, slept, slept ? pp_now_ns() -
		     __atomic_load_n(wake_time(s, !s->id), __ATOMIC_RELAXED) : 0);
	return 0;
}

static void *ticker(void *arg)
{
	long us = (long)(intptr_t)arg;
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = us % 1000000 * 1000 };

	for (;;)
		nanosleep(&ts, NULL);
	return NULL;
}

static void client_handshake(struct side *s)
{
	__atomic_store_n((uint32_t *)(s->page + PP_DATA_LEN_OFF), 3,
			 __ATOMIC_RELAXED);
	memcpy(s->page + PP_DATA_OFF, "{}\n", 3);
}

int main(int argc, char **argv)
{
	const char *policy = NULL;
	struct side s = { 0 };
	uint64_t n, i, t0 = 0, cpu0 = 0;
	int fd, client, err = 0, opt, no_yield = 0;
	long delay_us = 0;
	pthread_t tick;

	while ((opt = getopt(argc, argv, "+t:d:w:Y")) != -1) {
		switch (opt) {
		case 't':
			if (pthread_create(&tick, NULL, ticker,
					   (void *)(intptr_t)atol(optarg)))
				return 1;
			break;
		case 'd':
			delay_us = atol(optarg);
			break;
		case 'w':
			policy = optarg;
			break;
		case 'Y':
			no_yield = 1;
			break;
		default:
			return 2;
		}
	}
	argv += optind - 1;
	argc -= optind - 1;
	if (argc < 3 || (strcmp(argv[1], "client") && strcmp(argv[1], "server"))) {
		fprintf(stderr, "usage: %s [-t US] [-d US] [-w adaptive|sleep|spin [-Y]] client|server SHM-FILE [ROUND-TRIPS]\n", argv[0]);
		return 2;
	}
	client = !strcmp(argv[1], "client");
	n = argc > 3 ? strtoull(argv[3], NULL, 10) : 20000;
	fd = open(argv[2], O_RDWR);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	s.page = mmap(NULL, PP_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (s.page == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	if (policy)
		return pp_lib_run(fd, client, n, policy, no_yield,
				  delay_us) ? 1 : 0;
	s.id = client ? 0 : 1;
	s.mine = client ? PP_CLIENT_ACTIVE : PP_SERVER_ACTIVE;
	s.peers = client ? PP_SERVER_ACTIVE : PP_CLIENT_ACTIVE;
	if (client) {
		client_handshake(&s);
		for (i = 0; i < n + n / 10 && !err; i++) {
			if (i == n / 10) {	/* the first tenth warms up */
				t0 = pp_now_ns();
				cpu0 = pp_cpu_ns();
				memset(&s.st, 0, sizeof(s.st));
			}
			err = hand_over(&s);
			if (!err)
				err = wait_turn(&s);
		}
		if (!err)
			pp_report("c", &s.st, (pp_now_ns() - t0) / n,
				  (pp_cpu_ns() - cpu0) / n);
		__atomic_store_n(state(&s), PP_SHUTDOWN, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, state(&s), FUTEX_WAKE, 1, NULL, NULL, 0);
	} else {
		for (i = 0; !(err = wait_turn(&s));) {
			pp_server_delay(delay_us);
			err = hand_over(&s);
			if (err)
				break;
			if (!i++)	/* start-up is not a hand-off cost */
				cpu0 = pp_cpu_ns();
		}
		if (err == -ESHUTDOWN) {
			err = 0;
			printf("server_cpu_ns=%llu\n",
			       (unsigned long long)((pp_cpu_ns() - cpu0) /
						    (i > 1 ? i - 1 : 1)));
		}
	}
	return err ? 1 : 0;
}
