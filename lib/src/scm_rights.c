// SPDX-License-Identifier: LGPL-2.1-or-later
#include <string.h>
#include <unistd.h>

#include "scm_rights.h"

void scm_rights_fill(struct cmsghdr *cmsg, const int *fds, unsigned int n)
{
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int) * n);
	memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * n);
}

unsigned int scm_rights_take(struct msghdr *msg, int *fds, unsigned int max,
			     unsigned int *nfds)
{
	unsigned int closed = 0;
	struct cmsghdr *cmsg;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
		size_t i, count;
		int fd;

		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			       sizeof(fd));
			if (*nfds < max) {
				fds[(*nfds)++] = fd;
			} else {
				close(fd);
				closed++;
			}
		}
	}
	return closed;
}
