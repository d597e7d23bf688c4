/* SPDX-License-Identifier: GPL-2.0 */
#ifndef FLIPCALLCTL_CLI_H
#define FLIPCALLCTL_CLI_H

/* Exit statuses, documented in man/man8/flipcallctl.8. */
#define FLIPCALLCTL_EXIT_FAIL		1	/* the request failed */
#define FLIPCALLCTL_EXIT_USAGE		2	/* bad command line */
#define FLIPCALLCTL_EXIT_NO_MODULE	3	/* module not loaded */

/* The whole command; tests call it in a child to run the real CLI. */
int flipcallctl_main(int argc, char **argv);

#endif /* FLIPCALLCTL_CLI_H */
