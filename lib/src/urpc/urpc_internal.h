/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Pieces shared by the urpc client and server: the streaming message
 * decoder, the envelope codec and the socket transport.
 */
#ifndef FLIPCALL_URPC_INTERNAL_H
#define FLIPCALL_URPC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <json-c/json_object.h>
#include <json-c/json_tokener.h>

/*
 * decode.c: finds one JSON value on a byte stream without framing. The
 * bytes of the current message collect in buf so that the number check can
 * see their text; bytes that follow the value in the same read are dropped,
 * as gVisor's decoder drops what it buffered.
 */
struct urpc_decoder {
	struct json_tokener *tok;
	char *buf;
	size_t len;		/* bytes of the current message in buf */
	size_t cap;
	size_t max_message;
};

int urpc_decoder_init(struct urpc_decoder *dec, size_t max_message,
		      unsigned int max_depth);
void urpc_decoder_fini(struct urpc_decoder *dec);
/* Room to receive into: at most what the message limit still allows. */
int urpc_decoder_space(struct urpc_decoder *dec, char **dst, size_t *room);
/*
 * Accounts n bytes written at the space returned above. Returns 1 with
 * *valuep set (NULL for JSON null) when a value completed, 0 when more bytes
 * are needed, -EBADMSG for malformed JSON (or too deep), -EMSGSIZE, -ENOMEM.
 */
int urpc_decoder_commit(struct urpc_decoder *dec, size_t n,
			struct json_object **valuep);
/* End of stream: 0 if only whitespace was pending, else -EBADMSG. */
int urpc_decoder_eof(struct urpc_decoder *dec);

/*
 * numbers.c: makes the numbers of *valuep, parsed from text, what a Go peer
 * means by them: a literal without fraction or exponent outside int64 and
 * uint64, and -0, become doubles that keep their text. 0 or -ENOMEM.
 */
int urpc_numbers_as_go(const char *text, size_t len,
		       struct json_object **valuep);

/* envelope.c: gVisor's serverCall / callResult. */
int urpc_parse_call(struct json_object *msg, const char **method,
		    struct json_object **arg);
int urpc_parse_result(struct json_object *msg, bool *success,
		      const char **err, struct json_object **result);

/* encode.c: a message ready to send, as iov[0..2]. */
struct urpc_out {
	struct iovec iov[3];
	struct json_object *holder;	/* owns the serialized text */
	char head[128];			/* a call's frame before arg */
};
int urpc_encode_call(const char *method, struct json_object *arg,
		     struct urpc_out *out);
int urpc_encode_result(bool success, const char *err,
		       struct json_object *result, struct urpc_out *out);
void urpc_out_release(struct urpc_out *out);

/* transport.c. Deadlines are CLOCK_MONOTONIC ns; URPC_NO_DEADLINE waits. */
#define URPC_NO_DEADLINE (-1)
/* Go's json decoder refuses deeper nesting. */
#define URPC_MAX_DEPTH 10000
/* Linux's SCM_MAX_FD: the most descriptors one sendmsg can carry. */
#define URPC_SCM_MAX_FD 253
int64_t urpc_deadline_after_ms(int timeout_ms);
/* Sends all of out, the fds riding on the first sendmsg. */
int urpc_send_message(int fd, struct urpc_out *out, const int *fds,
		      unsigned int nfds, int64_t deadline);
/*
 * Receives one message. Returns 1 with *valuep, 0 on a clean end of stream,
 * or a negative errno; -ETOOMANYREFS when more than max_fds came. Only the
 * fds of the read that brought the first byte belong to the message (as in
 * gVisor); the caller owns *nfds fds in fds[] only when 1 is returned.
 */
int urpc_recv_message(int fd, struct urpc_decoder *dec, int *fds,
		      unsigned int max_fds, unsigned int *nfds,
		      struct json_object **valuep, int64_t deadline);
void urpc_close_fds(const int *fds, unsigned int n);

struct sockaddr_un;
/* client.c: the address of a socket path; -ENAMETOOLONG if it cannot fit. */
int urpc_unix_address(const char *path, struct sockaddr_un *addr);

#endif
