# SPDX-License-Identifier: GPL-2.0
# flipcall-nic(8): a TAP interface bridged to a peer through the sharedmem
# queues (or a socketpair, the benchmark's baseline). Links the shared
# libflipcall, as packaged (its stages run it with LD_LIBRARY_PATH).
# Stages: flipcall-nic-test (root, netns), the same with sanitizers, the
# coalescer's unit test and fuzzer (flipcall-nic-coalesce-test/-fuzz), and
# the flipcall-nic-bench benchmark (with tap-direct, its no-transport path).
FNIC_BIN    := $(BUILD)/tools/flipcall-nic/flipcall-nic
FNIC_SRCS   := $(wildcard tools/flipcall-nic/*.c)
FNIC_HDRS   := $(wildcard tools/flipcall-nic/*.h)
FNIC_CFLAGS  = $(CFLAGS) $(WARN) -Wno-unused-parameter $(CPPFLAGS_COMMON) \
	       $(LIB_PKG_CFLAGS)

$(FNIC_BIN): $(FNIC_SRCS) $(FNIC_HDRS) $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(FNIC_CFLAGS) -o $@ $(FNIC_SRCS) $(LIB_SHARED_LDLIBS)

# The same test over an ASan+UBSan build of the tool and the library: a
# finding (or a leak at exit) changes the exit status the test checks.
FNIC_SAN_BIN := $(BUILD)/tools/flipcall-nic/san/flipcall-nic
$(FNIC_SAN_BIN): $(FNIC_SRCS) $(FNIC_HDRS) $(LIB_SAN_A)
	@mkdir -p $(@D)
	$(CC) $(FNIC_CFLAGS) $(LIB_SAN_FLAGS) -o $@ $(FNIC_SRCS) $(LIB_SAN_A) \
		$(LIB_LDLIBS)

.PHONY: flipcall-nic flipcall-nic-test flipcall-nic-test-sanitize \
	flipcall-nic-bench install-flipcall-nic
flipcall-nic: $(FNIC_BIN)

# Needs root, /dev/net/tun and network namespaces; says SKIP otherwise.
flipcall-nic-test: $(FNIC_BIN)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@LD_LIBRARY_PATH=$(BUILD)/lib \
		scripts/run-tap-test $(RESULTS)/$@.results 600 flipcall-nic/ \
		tools/flipcall-nic/nic-test.sh $(FNIC_BIN)

flipcall-nic-test-sanitize: $(FNIC_SAN_BIN)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
		scripts/run-tap-test $(RESULTS)/$@.results 600 flipcall-nic-san/ \
		tools/flipcall-nic/nic-test.sh $(FNIC_SAN_BIN)

# The bench's reference path: the same TAP handling, no transport at all.
FNIC_DIRECT_BIN := $(BUILD)/tools/flipcall-nic/tap-direct
FNIC_DIRECT_SRCS := tools/flipcall-nic/bench/tap_direct.c \
		    tools/flipcall-nic/coalesce.c tools/flipcall-nic/tap.c
$(FNIC_DIRECT_BIN): $(FNIC_DIRECT_SRCS) $(FNIC_HDRS)
	@mkdir -p $(@D)
	$(CC) $(FNIC_CFLAGS) -pthread -o $@ $(FNIC_DIRECT_SRCS)

flipcall-nic-bench: $(FNIC_BIN) $(FNIC_DIRECT_BIN)
	@mkdir -p $(RESULTS)
	LD_LIBRARY_PATH=$(BUILD)/lib \
		tools/flipcall-nic/nic-bench.sh $(FNIC_BIN) $(RESULTS)/flipcall-nic-bench.json

install-flipcall-nic: $(FNIC_BIN)
	install -D -m 0755 $(FNIC_BIN) $(DESTDIR)$(PREFIX)/sbin/flipcall-nic
	install -D -m 0644 man/man8/flipcall-nic.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/flipcall-nic.8

# The coalescer alone, against hand-built frames (tests/, outside the
# tool's wildcard): stage flipcall-nic-coalesce-test, no root needed.
FNIC_CO_TEST := $(BUILD)/tools/flipcall-nic/tests/coalesce_test
$(FNIC_CO_TEST): tools/flipcall-nic/tests/coalesce_test.c \
		 tools/flipcall-nic/tests/frame_sum.h \
		 tools/flipcall-nic/coalesce.c tools/flipcall-nic/coalesce.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(LIB_TEST_WARN) $(CPPFLAGS_COMMON) \
		-I$(SRCDIR)/third_party/kselftest -o $@ $< \
		tools/flipcall-nic/coalesce.c

.PHONY: flipcall-nic-coalesce-test
flipcall-nic-coalesce-test: $(FNIC_CO_TEST)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@scripts/run-tap-test $(RESULTS)/$@.results 120 flipcall-nic-coalesce/ \
		$(FNIC_CO_TEST)

# The coalescer's libFuzzer target (ASan+UBSan), bounded to
# FNIC_CO_FUZZ_SECONDS; new corpus entries stay in build/.
FNIC_CO_FUZZ         := $(BUILD)/tools/flipcall-nic/tests/coalesce_fuzz
FNIC_CO_FUZZ_SECONDS ?= 60
$(FNIC_CO_FUZZ): tools/flipcall-nic/tests/coalesce_fuzz.c \
		 tools/flipcall-nic/tests/frame_sum.h \
		 tools/flipcall-nic/coalesce.c tools/flipcall-nic/coalesce.h
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS_COMMON) \
		-o $@ $< tools/flipcall-nic/coalesce.c

.PHONY: flipcall-nic-coalesce-fuzz
flipcall-nic-coalesce-fuzz:
	@mkdir -p $(RESULTS) $(BUILD)/tools/flipcall-nic/tests/corpus
	@if $(MAKE) --no-print-directory $(FNIC_CO_FUZZ) >$(RESULTS)/$@.log 2>&1 && \
	    $(FNIC_CO_FUZZ) -max_total_time=$(FNIC_CO_FUZZ_SECONDS) -max_len=8192 \
		-artifact_prefix=$(BUILD)/tools/flipcall-nic/tests/ \
		$(BUILD)/tools/flipcall-nic/tests/corpus \
		tools/flipcall-nic/tests/corpus >>$(RESULTS)/$@.log 2>&1; then \
		echo "PASS flipcall-nic/fuzz.coalesce" >$(RESULTS)/$@.results; \
	else \
		echo "FAIL flipcall-nic/fuzz.coalesce" >$(RESULTS)/$@.results; \
	fi; tail -3 $(RESULTS)/$@.log

ALL_TARGETS     += $(FNIC_BIN) $(FNIC_CO_TEST)
NATIVE_CHECKS   += flipcall-nic-test flipcall-nic-test-sanitize \
		   flipcall-nic-coalesce-test flipcall-nic-coalesce-fuzz
BENCH_TARGETS   += flipcall-nic-bench
INSTALL_TARGETS += install-flipcall-nic

# In the debug VM (make check-vm-debug), where the default transport puts
# the queues in /dev/flipcall windows: a busybox script, the bridge on the
# guest's PATH.
VM_TEST_BINS += tools/flipcall-nic/nic-vm-test.sh
VM_TOOLS     += $(FNIC_BIN) scripts/tap-lib.sh
