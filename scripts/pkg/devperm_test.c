// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/flipcall as the packages set it up, in the test VM (which has no
 * udev): the module loaded with the options of the shipped modprobe.d file
 * creates the node with its dev_mode; the shipped udev rule's GROUP and
 * MODE, applied as the rule states them, let a non-root member of that
 * group create a connection and hand off, and refuse everyone else.
 *
 * Both files are compiled in as they are in debian/ (the package test
 * checks that the installed copies are identical), so a change to them is
 * what this tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <flipcall/flipcall.h>
#include <linux/flipcall.h>

#include "kselftest_harness.h"

#define EMBED(sym, path)						\
	__asm__(".section .rodata\n.global " #sym "\n" #sym ":\n"	\
		".incbin \"" path "\"\n.byte 0\n.previous")
EMBED(shipped_udev_rule, UDEV_RULE_FILE);
EMBED(shipped_modprobe_conf, MODPROBE_CONF_FILE);
extern const char shipped_udev_rule[], shipped_modprobe_conf[];

#define MODULE_FILE	"/flipcall.ko"	/* where the VM's init loaded it from */
#define GROUP_GID	4242		/* the VM has no /etc/group: any gid */
#define MEMBER_UID	1000
#define OTHER_UID	1001

struct rule {
	char group[64];
	mode_t mode;
};

/* The value of KEY="value" in LINE, or NULL. */
static const char *rule_value(const char *line, const char *key, char *buf,
			      size_t size)
{
	char pat[32];
	const char *p, *end;

	snprintf(pat, sizeof(pat), "%s=\"", key);
	p = strstr(line, pat);
	if (!p || (p > line && p[-1] != ' ' && p[-1] != ','))
		return NULL;
	p += strlen(pat);
	end = strchr(p, '"');
	if (!end || (size_t)(end - p) >= size)
		return NULL;
	memcpy(buf, p, end - p);
	buf[end - p] = '\0';
	return buf;
}

/* The GROUP and MODE of the shipped rule's line for KERNEL=="flipcall". */
static int parse_udev_rule(struct rule *rule)
{
	char *text = strdup(shipped_udev_rule), *line, *save;
	char mode[16];
	int found = 0;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !strstr(line, "KERNEL==\"flipcall\""))
			continue;
		if (rule_value(line, "GROUP", rule->group, sizeof(rule->group)) &&
		    rule_value(line, "MODE", mode, sizeof(mode))) {
			rule->mode = strtoul(mode, NULL, 8);
			found = 1;
		}
	}
	free(text);
	return found ? 0 : -ENOENT;
}

/* The parameters of the shipped "options flipcall ..." line. */
static int parse_modprobe_options(char *buf, size_t size)
{
	const char *p = strstr(shipped_modprobe_conf, "\noptions flipcall ");
	size_t n;

	if (!p)
		return -ENOENT;
	p += strlen("\noptions flipcall ");
	n = strcspn(p, "\n");
	if (n >= size)
		return -E2BIG;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return 0;
}

/* What udev does on the node's "add" event with the shipped rule. */
static void apply_udev_rule(struct __test_metadata *_metadata, struct rule *rule)
{
	struct stat st;

	ASSERT_EQ(0, parse_udev_rule(rule)) TH_LOG("no GROUP/MODE line for flipcall in the rule");
	ASSERT_EQ(0, chown(FLIPCALL_DEVICE_PATH, 0, GROUP_GID)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, chmod(FLIPCALL_DEVICE_PATH, rule->mode)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, stat(FLIPCALL_DEVICE_PATH, &st));
	ASSERT_EQ(GROUP_GID, st.st_gid);
	ASSERT_EQ(rule->mode, st.st_mode & 07777);
}

/* Become UID with GID as the only supplementary group (or none). */
static int become(uid_t uid, gid_t group, int member)
{
	if (setgroups(member ? 1 : 0, &group) || setgid(uid) || setuid(uid))
		return -errno;
	return 0;
}

/* The server side of one exchange: upper-case the client's bytes. */
static int serve_one(struct flipcall_window *server)
{
	struct flipcall_endpoint *ep;
	char *data;
	int n, i;

	n = flipcall_endpoint_init(&ep, FLIPCALL_SIDE_SERVER, server, NULL);
	if (n)
		return n;
	data = flipcall_endpoint_data(ep);
	n = flipcall_endpoint_recv_first(ep);
	for (i = 0; i < n; i++)
		data[i] = data[i] >= 'a' && data[i] <= 'z' ? data[i] - 32 : data[i];
	if (n >= 0)
		n = flipcall_endpoint_send_recv(ep, (uint32_t)n);
	flipcall_endpoint_destroy(ep);
	return n == -ESHUTDOWN ? 0 : n;
}

/* As a group member: create a connection, hand "devperm" to a server
 * process and get "DEVPERM" back. 0 or a negative errno.
 */
static int member_exchange(void)
{
	struct flipcall_window client, server;
	struct flipcall_endpoint *ep;
	int err, status;
	pid_t pid;

	err = flipcall_device_create(4096, 0, 0, &client, &server);
	if (err)
		return err;
	pid = fork();
	if (pid == 0)
		_exit(serve_one(&server) ? 1 : 0);
	close(server.fd);
	err = flipcall_endpoint_init(&ep, FLIPCALL_SIDE_CLIENT, &client, NULL);
	if (!err)
		err = flipcall_endpoint_connect(ep);
	if (!err) {
		memcpy(flipcall_endpoint_data(ep), "devperm", 7);
		err = flipcall_endpoint_send_recv(ep, 7);
		if (err == 7)
			err = memcmp(flipcall_endpoint_data(ep), "DEVPERM", 7) ? -EBADMSG : 0;
		else if (err >= 0)
			err = -EMSGSIZE;
		flipcall_endpoint_shutdown(ep);
		flipcall_endpoint_destroy(ep);
	}
	close(client.fd);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return err ? err : -ECHILD;
	return err;
}

/* Runs first: reload the module the way modprobe would with the shipped
 * options; the node must start with dev_mode, owned by root. A dev_mode
 * with bits outside 0777 must not load.
 */
TEST(modprobe_options_set_mode)
{
	char opts[128], *mode;
	struct stat st;
	int fd;

	ASSERT_EQ(0, parse_modprobe_options(opts, sizeof(opts)));
	mode = strstr(opts, "dev_mode=");
	ASSERT_NE(NULL, mode) TH_LOG("the shipped options set no dev_mode: %s", opts);
	fd = open(MODULE_FILE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", MODULE_FILE, strerror(errno));
	ASSERT_EQ(0, syscall(SYS_delete_module, "flipcall", O_NONBLOCK))
		TH_LOG("rmmod: %s", strerror(errno));
	/* Bits beyond the permissions (sticky here) are refused. */
	EXPECT_EQ(-1, syscall(SYS_finit_module, fd, "dev_mode=01666", 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, syscall(SYS_finit_module, fd, opts, 0))
		TH_LOG("insmod %s %s: %s", MODULE_FILE, opts, strerror(errno));
	close(fd);
	ASSERT_EQ(0, stat(FLIPCALL_DEVICE_PATH, &st));
	EXPECT_EQ(strtoul(mode + strlen("dev_mode="), NULL, 8), st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(0, st.st_mode & 0007) TH_LOG("world-accessible before udev ran");
}

TEST(udev_rule_sets_group_and_mode)
{
	struct rule rule;

	apply_udev_rule(_metadata, &rule);
	EXPECT_STREQ("flipcall", rule.group);
	EXPECT_EQ(0, rule.mode & 0007) TH_LOG("the rule leaves the node open to all");
	EXPECT_EQ(0060, rule.mode & 0060) TH_LOG("the rule does not open it to the group");
}

TEST(group_member_creates_and_hands_off)
{
	struct rule rule;
	pid_t pid;
	int status;

	apply_udev_rule(_metadata, &rule);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int err = become(MEMBER_UID, GROUP_GID, 1);

		if (!err)
			err = member_exchange();
		if (err)
			fprintf(stderr, "# member: %s\n", strerror(-err));
		_exit(err ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(non_member_gets_eacces)
{
	struct flipcall_window client, server;
	struct rule rule;
	pid_t pid;
	int status;

	apply_udev_rule(_metadata, &rule);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd, err = become(OTHER_UID, GROUP_GID, 0);

		if (err)
			_exit(2);
		fd = open(FLIPCALL_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (fd >= 0 || errno != EACCES)
			_exit(3);
		err = flipcall_device_create(4096, 0, 0, &client, &server);
		_exit(err == -EACCES ? 0 : 4);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("2: dropping privileges failed, 3: open did not fail with EACCES, "
		       "4: flipcall_device_create did not return -EACCES");
}

TEST_HARNESS_MAIN
