# SPDX-License-Identifier: GPL-2.0
# flipcallctl: the module's generic netlink family, read with libnl-genl-3,
# printed as a table or JSON (json-c). The installed binary links the shared
# libraries; flipcallctl-static is the same program for the busybox test VM.
# Its VM tests link the CLI's objects too, to run the real command in a
# child process.
FCCTL_OUT   := $(BUILD)/tools/flipcallctl
FCCTL_BIN   := $(FCCTL_OUT)/flipcallctl
FCCTL_STATIC := $(FCCTL_OUT)/flipcallctl-static
FCCTL_OBJS  := $(addprefix $(FCCTL_OUT)/,fcnl.o show.o cli.o)
FCCTL_PKGS  := libnl-genl-3.0 json-c
FCCTL_CFLAGS = $(CFLAGS) $(WARN) $(CPPFLAGS_COMMON) \
	       $(shell pkg-config --cflags $(FCCTL_PKGS) 2>/dev/null)
FCCTL_LIBS   = $(shell pkg-config --static --libs $(FCCTL_PKGS) 2>/dev/null)
FCCTL_SHARED_LIBS = $(shell pkg-config --libs $(FCCTL_PKGS) 2>/dev/null)
FCCTL_HDRS  := $(wildcard tools/flipcallctl/*.h) uapi/linux/flipcall.h

$(FCCTL_OUT)/%.o: tools/flipcallctl/%.c $(FCCTL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(FCCTL_CFLAGS) -c -o $@ $<

$(FCCTL_BIN): $(FCCTL_OUT)/main.o $(FCCTL_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(FCCTL_SHARED_LIBS)

$(FCCTL_STATIC): $(FCCTL_OUT)/main.o $(FCCTL_OBJS)
	$(CC) -static -o $@ $^ $(FCCTL_LIBS)

# Tests (kselftest harness, one program per concern; run in the VM by
# check-vm-debug). They share tests/fctest.c, the selftests' raw-ABI helpers
# (selftests/flipcall_test.c, compiled here too) and the CLI's objects.
FCCTL_TEST_NAMES := fcctl_netlink_test fcctl_cli_test fcctl_trace_test
FCCTL_TESTS := $(addprefix $(FCCTL_OUT)/,$(FCCTL_TEST_NAMES))
FCCTL_TEST_CFLAGS = $(FCCTL_CFLAGS) -Wno-missing-prototypes -Wno-sign-compare \
		    -Wno-unused-parameter -I$(SRCDIR)/third_party/kselftest \
		    -I$(SRCDIR)/tools/flipcallctl -I$(SRCDIR)/selftests
FCCTL_TEST_HELPER := $(FCCTL_OUT)/fctest.o $(FCCTL_OUT)/flipcall_test.o
FCCTL_TEST_HDRS := tools/flipcallctl/tests/fctest.h selftests/flipcall_test.h

$(FCCTL_OUT)/fctest.o: tools/flipcallctl/tests/fctest.c $(FCCTL_TEST_HDRS) \
		       $(FCCTL_HDRS)
	@mkdir -p $(@D)
	$(CC) $(FCCTL_TEST_CFLAGS) -c -o $@ $<

$(FCCTL_OUT)/flipcall_test.o: selftests/flipcall_test.c $(FCCTL_TEST_HDRS) \
			      uapi/linux/flipcall.h
	@mkdir -p $(@D)
	$(CC) $(FCCTL_TEST_CFLAGS) -c -o $@ $<

$(FCCTL_OUT)/fcctl_%_test: tools/flipcallctl/tests/%_test.c \
			   $(FCCTL_TEST_HELPER) $(FCCTL_OBJS) $(FCCTL_HDRS) \
			   $(FCCTL_TEST_HDRS) \
			   third_party/kselftest/kselftest_harness.h
	$(CC) $(FCCTL_TEST_CFLAGS) -static -pthread -o $@ $< \
		$(FCCTL_TEST_HELPER) $(FCCTL_OBJS) $(FCCTL_LIBS)

# The host cannot load the module: check the CLI's behaviour without it.
check-flipcallctl-native: $(FCCTL_BIN)
	@mkdir -p $(RESULTS)
	@tools/flipcallctl/tests/native-cli.sh $(FCCTL_BIN) \
		$(RESULTS)/flipcallctl-native.results

.PHONY: flipcallctl flipcallctl-tests install-flipcallctl check-flipcallctl-native
flipcallctl: $(FCCTL_BIN) $(FCCTL_STATIC)
flipcallctl-tests: $(FCCTL_TESTS)

install-flipcallctl: $(FCCTL_BIN)
	install -D -m 0755 $(FCCTL_BIN) $(DESTDIR)$(PREFIX)/sbin/flipcallctl
	install -D -m 0644 man/man8/flipcallctl.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/flipcallctl.8

ALL_TARGETS     += flipcallctl flipcallctl-tests
INSTALL_TARGETS += install-flipcallctl
VM_TEST_BINS    += $(FCCTL_TESTS)
NATIVE_CHECKS   += check-flipcallctl-native
