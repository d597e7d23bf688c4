# SPDX-License-Identifier: GPL-2.0
# lisafs-fuse(1): a lisafs export as a FUSE filesystem (libfuse3, low-level
# API). Links the shared libflipcall, as packaged; the stages below run it
# (and lisafs-server) with LD_LIBRARY_PATH=$(BUILD)/lib.
#   make lisafs-fuse-test   real tools on a mount vs a plain directory
#   make demo-fuse          mount a directory through the stack and list it
#   make bench-fuse         direct vs lisafs-fuse vs libfuse's passthrough_ll
LISAFS_FUSE      := $(BUILD)/tools/lisafs-fuse
LISAFS_FUSE_SRCS := $(sort $(wildcard tools/lisafs-fuse/*.c))
LISAFS_FUSE_HDRS := $(wildcard tools/lisafs-fuse/*.h)
FUSE3_CFLAGS      = $(shell pkg-config --cflags fuse3 2>/dev/null)
FUSE3_LIBS        = $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3)

$(LISAFS_FUSE): $(LISAFS_FUSE_SRCS) $(LISAFS_FUSE_HDRS) $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -pthread $(CPPFLAGS_COMMON) $(FUSE3_CFLAGS) \
		-o $@ $(LISAFS_FUSE_SRCS) $(LIB_SHARED_LDLIBS) $(FUSE3_LIBS)
ALL_TARGETS += $(LISAFS_FUSE)

# The stage: a shell script producing TAP, bounded by run-tap-test's timeout
# as a whole and by a timeout per command inside.
.PHONY: lisafs-fuse-test
lisafs-fuse-test: $(LISAFS_FUSE) $(LISAFS_SERVER)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@LD_LIBRARY_PATH=$(BUILD)/lib \
		scripts/run-tap-test $(RESULTS)/$@.results 900 lisafs-fuse/ \
		tools/lisafs-fuse/tests/lisafs-fuse-test.sh $(LISAFS_FUSE) \
		$(LISAFS_SERVER)
NATIVE_CHECKS += lisafs-fuse-test

include bench/fs/fs-bench.mk

# The same tests with lisafs-fuse built with ASan+UBSan (over the sanitized
# library). The daemons' reports go to files: any report is one more FAIL.
LISAFS_FUSE_SAN := $(BUILD)/lib/san/tools/lisafs-fuse
$(LISAFS_FUSE_SAN): $(LISAFS_FUSE_SRCS) $(LISAFS_FUSE_HDRS) $(LIB_SAN_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(LIB_SAN_FLAGS) -pthread $(CPPFLAGS_COMMON) \
		$(FUSE3_CFLAGS) -o $@ $(LISAFS_FUSE_SRCS) $(LIB_SAN_A) \
		$(LIB_LDLIBS) $(FUSE3_LIBS)

.PHONY: lisafs-fuse-test-sanitize
lisafs-fuse-test-sanitize: $(LISAFS_FUSE_SAN) $(LISAFS_SERVER)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@rm -rf $(RESULTS)/$@.san && mkdir -p $(RESULTS)/$@.san
	@ASAN_OPTIONS=detect_leaks=1:log_path=$(RESULTS)/$@.san/asan \
	UBSAN_OPTIONS=print_stacktrace=1:log_path=$(RESULTS)/$@.san/ubsan \
	LD_LIBRARY_PATH=$(BUILD)/lib \
		scripts/run-tap-test $(RESULTS)/$@.results 900 lisafs-fuse-san/ \
		tools/lisafs-fuse/tests/lisafs-fuse-test.sh $(LISAFS_FUSE_SAN) \
		$(LISAFS_SERVER)
	@# LeakSanitizer cannot run under strace (the confinement check).
	@if grep -l -e 'ERROR: AddressSanitizer' -e 'runtime error' \
		-e 'ERROR: LeakSanitizer: detected' $(RESULTS)/$@.san/* 2>/dev/null; then \
		echo "FAIL lisafs-fuse-san/sanitizer_reports" >>$(RESULTS)/$@.results; \
	else \
		echo "PASS lisafs-fuse-san/sanitizer_reports" >>$(RESULTS)/$@.results; \
	fi
NATIVE_CHECKS += lisafs-fuse-test-sanitize

.PHONY: demo-fuse
demo-fuse: deps $(LISAFS_FUSE) $(LISAFS_SERVER)
	@LD_LIBRARY_PATH=$(BUILD)/lib tools/lisafs-fuse/demo-fuse.sh $(LISAFS_FUSE)

.PHONY: install-lisafs-fuse
install-lisafs-fuse: $(LISAFS_FUSE)
	install -D -m 0755 $(LISAFS_FUSE) $(DESTDIR)$(PREFIX)/bin/lisafs-fuse
	install -D -m 0644 man/man1/lisafs-fuse.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/lisafs-fuse.1
INSTALL_TARGETS += install-lisafs-fuse

# In the debug VM (make check-vm-debug), where the module offers device
# channels: a busybox script driving both tools, on the guest's PATH.
VM_TEST_BINS += tools/lisafs-fuse/tests/lisafs-fuse-vm-test.sh
VM_TOOLS     += $(LISAFS_FUSE) $(LISAFS_SERVER) scripts/tap-lib.sh
