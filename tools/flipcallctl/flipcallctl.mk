# SPDX-License-Identifier: GPL-2.0
# flipcallctl: the module's generic netlink family, read with libnl-genl-3,
# printed as a table or JSON (json-c). Linked statically so the same binary
# runs in the busybox test VM. Its VM tests link the CLI's objects too, to
# run the real command in a child process.
FCCTL_OUT   := $(BUILD)/tools/flipcallctl
FCCTL_BIN   := $(FCCTL_OUT)/flipcallctl
FCCTL_OBJS  := $(addprefix $(FCCTL_OUT)/,fcnl.o show.o cli.o)
FCCTL_PKGS  := libnl-genl-3.0 json-c
FCCTL_CFLAGS = $(CFLAGS) $(WARN) $(CPPFLAGS_COMMON) \
	       $(shell pkg-config --cflags $(FCCTL_PKGS) 2>/dev/null)
FCCTL_LIBS   = $(shell pkg-config --static --libs $(FCCTL_PKGS) 2>/dev/null)
FCCTL_HDRS  := $(wildcard tools/flipcallctl/*.h) uapi/linux/flipcall.h

$(FCCTL_OUT)/%.o: tools/flipcallctl/%.c $(FCCTL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(FCCTL_CFLAGS) -c -o $@ $<

$(FCCTL_BIN): $(FCCTL_OUT)/main.o $(FCCTL_OBJS)
	$(CC) -static -o $@ $^ $(FCCTL_LIBS)

# Tests (kselftest harness; run in the VM by check-vm-debug).
FCCTL_TESTS := $(FCCTL_OUT)/flipcallctl_test
FCCTL_TEST_CFLAGS = $(FCCTL_CFLAGS) -Wno-missing-prototypes -Wno-sign-compare \
		    -Wno-unused-parameter -I$(SRCDIR)/third_party/kselftest \
		    -I$(SRCDIR)/tools/flipcallctl
FCCTL_TEST_SRCS := $(wildcard tools/flipcallctl/tests/*.c)

$(FCCTL_OUT)/flipcallctl_test: $(FCCTL_TEST_SRCS) $(FCCTL_OBJS) \
			       $(wildcard tools/flipcallctl/tests/*.h) $(FCCTL_HDRS) \
			       third_party/kselftest/kselftest_harness.h
	$(CC) $(FCCTL_TEST_CFLAGS) -static -pthread -o $@ $(FCCTL_TEST_SRCS) \
		$(FCCTL_OBJS) $(FCCTL_LIBS)

.PHONY: flipcallctl install-flipcallctl
flipcallctl: $(FCCTL_BIN)

install-flipcallctl: $(FCCTL_BIN)
	install -D -m 0755 $(FCCTL_BIN) $(DESTDIR)$(PREFIX)/sbin/flipcallctl
	install -D -m 0644 man/man8/flipcallctl.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/flipcallctl.8

ALL_TARGETS     += flipcallctl
INSTALL_TARGETS += install-flipcallctl
VM_TEST_BINS    += $(FCCTL_TESTS)
