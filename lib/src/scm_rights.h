/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef FLIPCALL_SCM_RIGHTS_H
#define FLIPCALL_SCM_RIGHTS_H

#include <sys/socket.h>

/*
 * SCM_RIGHTS handling shared by fdchannel and urpc; each keeps its own
 * policy on what a well-formed message is.
 */

/* Fill @cmsg, which has room for CMSG_SPACE(n * sizeof(int)), with @fds. */
void scm_rights_fill(struct cmsghdr *cmsg, const int *fds, unsigned int n);

/*
 * Take every descriptor that arrived with @msg: into @fds while *@nfds is
 * below @max, closed otherwise, so none leaks. Returns how many it closed.
 */
unsigned int scm_rights_take(struct msghdr *msg, int *fds, unsigned int max,
			     unsigned int *nfds);

#endif
