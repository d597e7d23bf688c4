// SPDX-License-Identifier: GPL-2.0
/*
 * flipcall-demo: two processes exchange messages through one flipcall
 * connection. The client creates the connection, passes the server endpoint
 * to a second process over a unix socket (SCM_RIGHTS), and both map the
 * packet window. Control passes with FLIPCALL_IOC_HANDOFF when the module
 * has it; otherwise each side polls the window's state word, which is what
 * the hand-off ioctl replaces.
 *
 * Usage: flipcall-demo [ROUNDS [poll]]   ("poll" forces the fallback)
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/flipcall.h>

struct side {
	const char *name;
	int fd;			/* endpoint */
	char *window;
	size_t capacity;	/* datagram bytes after the header */
	int use_handoff;
	int started;		/* made its first hand-off */
};

static struct flipcall_packet_header *header(struct side *s)
{
	return (struct flipcall_packet_header *)s->window;
}

static char *data(struct side *s)
{
	return s->window + FLIPCALL_PACKET_HEADER_BYTES;
}

/*
 * Without the ioctl, control is the header's state word: the sender stores
 * the length, then flips the state to the peer (release), and spins until
 * it comes back (acquire). This burns CPU; the ioctl sleeps instead.
 */
static int poll_handoff(struct side *s, unsigned int send_len, int last,
			unsigned int *recv_len)
{
	unsigned int mine = strcmp(s->name, "client") ?
		FLIPCALL_STATE_SERVER_ACTIVE : FLIPCALL_STATE_CLIENT_ACTIVE;
	unsigned int peer = mine ^ 1;

	if (s->started || mine == FLIPCALL_STATE_CLIENT_ACTIVE) {
		__atomic_store_n(&header(s)->data_len, send_len, __ATOMIC_RELAXED);
		__atomic_store_n(&header(s)->state, peer, __ATOMIC_RELEASE);
	}
	s->started = 1;
	if (last)
		return 0;
	while (__atomic_load_n(&header(s)->state, __ATOMIC_ACQUIRE) != mine)
		sched_yield();
	*recv_len = __atomic_load_n(&header(s)->data_len, __ATOMIC_RELAXED);
	return *recv_len > s->capacity ? -EMSGSIZE : 0;
}

/* Hand send_len bytes to the peer; unless last, wait for its answer. */
static int handoff(struct side *s, unsigned int send_len, int last,
		   unsigned int *recv_len)
{
	struct flipcall_handoff h = { .send_len = send_len };
	int is_client = !strcmp(s->name, "client");

	if (!s->use_handoff)
		return poll_handoff(s, send_len, last, recv_len);
	if (last)
		h.op = FLIPCALL_OP_SEND_LAST;
	else if (s->started)
		h.op = FLIPCALL_OP_SEND_RECV;
	else
		h.op = is_client ? FLIPCALL_OP_CONNECT : FLIPCALL_OP_RECV_FIRST;
	if (ioctl(s->fd, FLIPCALL_IOC_HANDOFF, &h) < 0)
		return -errno;
	s->started = 1;
	*recv_len = h.recv_len;
	return 0;
}

static int map_window(struct side *s, size_t window_len)
{
	s->window = mmap(NULL, window_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 s->fd, 0);
	if (s->window == MAP_FAILED)
		return -errno;
	s->capacity = window_len - FLIPCALL_PACKET_HEADER_BYTES;
	return 0;
}

/* Pass an endpoint fd and its window length over a unix socket. */
static int send_fd(int sock, int fd, unsigned long long window_len)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &window_len, .iov_len = sizeof(window_len) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == sizeof(window_len) ? 0 : -errno;
}

static int recv_fd(int sock, unsigned long long *window_len)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = window_len, .iov_len = sizeof(*window_len) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = buf, .msg_controllen = sizeof(buf) };
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(*window_len) ||
	    *window_len <= FLIPCALL_PACKET_HEADER_BYTES)
		return -EPROTO;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static void say(struct side *s, const char *verb, const char *msg, size_t len)
{
	printf("[%s pid %d] %s %zu bytes: \"%.*s\"\n", s->name, getpid(), verb,
	       len, (int)len, msg);
	fflush(stdout);
}

static int send_text(struct side *s, const char *text, int last,
		     unsigned int *recv_len)
{
	size_t len = strlen(text);

	if (len > s->capacity)
		len = s->capacity;
	memcpy(data(s), text, len);
	say(s, "sends", data(s), len);
	return handoff(s, len, last, recv_len);
}

static int run_server(int sock, int use_handoff, int rounds)
{
	struct side s = { .name = "server", .use_handoff = use_handoff };
	unsigned long long window_len;
	unsigned int len;
	char reply[128];
	int err, i;

	s.fd = recv_fd(sock, &window_len);
	if (s.fd < 0)
		return s.fd;
	err = map_window(&s, window_len);
	if (err)
		return err;
	printf("[server pid %d] got the server endpoint (fd %d) over SCM_RIGHTS\n",
	       getpid(), s.fd);
	err = handoff(&s, 0, 0, &len);	/* wait for the client's first message */
	for (i = 1; !err && i <= rounds; i++) {
		say(&s, "received", data(&s), len);
		snprintf(reply, sizeof(reply), "pong %d: server pid %d got %u bytes",
			 i, getpid(), len);
		err = send_text(&s, reply, i == rounds, &len);
	}
	return err;
}

static int run_client(int dev, int sock, int use_handoff, int rounds)
{
	struct flipcall_create create = { .window_len = 4096,
					  .flags = FLIPCALL_CREATE_CLOEXEC };
	struct side c = { .name = "client", .use_handoff = use_handoff };
	unsigned int len;
	char msg[128];
	int err, i;

	if (ioctl(dev, FLIPCALL_IOC_CREATE, &create) < 0)
		return -errno;
	printf("[client pid %d] created connection %llu: window %llu bytes, client fd %d, server fd %d\n",
	       getpid(), (unsigned long long)create.conn_id,
	       (unsigned long long)create.window_len, create.client_fd,
	       create.server_fd);
	err = send_fd(sock, create.server_fd, create.window_len);
	close(create.server_fd);
	if (err)
		return err;
	c.fd = create.client_fd;
	err = map_window(&c, create.window_len);
	for (i = 1; !err && i <= rounds; i++) {
		snprintf(msg, sizeof(msg), "ping %d from client pid %d", i, getpid());
		err = send_text(&c, msg, 0, &len);
		if (!err)
			say(&c, "received", data(&c), len);
	}
	return err;
}

int main(int argc, char **argv)
{
	struct flipcall_api api = { .api = FLIPCALL_API };
	int rounds = argc > 1 ? atoi(argv[1]) : 3;
	int dev, sv[2], status, err, use_handoff;
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = open(FLIPCALL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		perror("open " FLIPCALL_DEVICE_PATH);
		return 1;
	}
	use_handoff = !ioctl(dev, FLIPCALL_IOC_API, &api) &&
		      (api.features & FLIPCALL_FEATURE_HANDOFF) &&
		      !(argc > 2 && !strcmp(argv[2], "poll"));
	printf("flipcall-demo: control passes by %s\n", use_handoff ?
	       "FLIPCALL_IOC_HANDOFF (sleep until the peer hands back)" :
	       "polling the window's state word (module has no hand-off ioctl)");
	if (rounds < 1)
		rounds = 1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(dev);
		close(sv[0]);
		err = run_server(sv[1], use_handoff, rounds);
		if (err)
			fprintf(stderr, "[server] failed: %s\n", strerror(-err));
		_exit(err ? 1 : 0);
	}
	close(sv[1]);
	err = run_client(dev, sv[0], use_handoff, rounds);
	if (err) {
		fprintf(stderr, "[client] failed: %s\n", strerror(-err));
		kill(pid, SIGKILL);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		err = err ? err : -ECHILD;
	printf("flipcall-demo: %s\n", err ? "FAILED" : "both sides done");
	return err ? 1 : 0;
}
