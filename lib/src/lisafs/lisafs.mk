# SPDX-License-Identifier: GPL-2.0
# lisafs: tests (stages lisafs-test, lisafs-test-sanitize), the request
# fuzzer (lisafs-fuzz), the benchmark (lisafs-bench), the device-channel
# tests for the VM. Included by lib.mk.
LIB_WB_A ?= $(LIB_A)
# The tool's rules live in tools/lisafs-server/; its path is needed here.
LISAFS_SERVER := $(BUILD)/tools/lisafs-server

LISAFS_TEST_CFLAGS = $(CFLAGS) $(WARN) $(LIB_TEST_WARN) -Wno-misleading-indentation -pthread \
		     $(CPPFLAGS_COMMON) -I$(SRCDIR)/lib/src \
		     -I$(SRCDIR)/third_party/kselftest -I$(SRCDIR)/lib/tests
LISAFS_TESTS     := $(patsubst lib/tests/%.c,%,$(sort $(wildcard lib/tests/lisafs_*_test.c)))
LISAFS_TEST_BINS := $(addprefix $(BUILD)/lib/tests/,$(LISAFS_TESTS))
LISAFS_TEST_UTIL := lib/tests/lisafs_test_util.c lib/tests/lisafs_test_util.h
LISAFS_TEST_TIMEOUT ?= 600

# White-box tests reach internal functions: they link LIB_WB_A.
$(LISAFS_TEST_BINS): $(BUILD)/lib/tests/%: lib/tests/%.c $(LISAFS_TEST_UTIL) $(LIB_WB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LISAFS_TEST_CFLAGS) -DLISAFS_SERVER_BIN='"$(LISAFS_SERVER)"' -o $@ $< lib/tests/lisafs_test_util.c \
		$(LIB_WB_A) $(LIB_LDLIBS)

.PHONY: lisafs-test lisafs-test-sanitize lisafs-tests
lisafs-tests: $(LISAFS_TEST_BINS)
ALL_TARGETS += lisafs-tests

lisafs-test: $(LISAFS_TEST_BINS) $(LISAFS_SERVER)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@for t in $(LISAFS_TEST_BINS); do \
		LD_LIBRARY_PATH=$(BUILD)/lib \
		scripts/run-tap-test $(RESULTS)/$@.results $(LISAFS_TEST_TIMEOUT) lisafs/ $$t; \
	done
NATIVE_CHECKS += lisafs-test

# The same tests over the ASan+UBSan library (lib/tests/tests.mk).
LISAFS_SAN_TEST_BINS := $(addprefix $(BUILD)/lib/san/tests/,$(LISAFS_TESTS))
$(LISAFS_SAN_TEST_BINS): $(BUILD)/lib/san/tests/%: lib/tests/%.c $(LISAFS_TEST_UTIL) $(LIB_SAN_A)
	@mkdir -p $(dir $@)
	$(CC) $(LISAFS_TEST_CFLAGS) $(LIB_SAN_FLAGS) \
		-DLISAFS_SERVER_BIN='"$(LISAFS_SERVER)"' -o $@ $< \
		lib/tests/lisafs_test_util.c $(LIB_SAN_A) $(LIB_LDLIBS)

lisafs-test-sanitize: $(LISAFS_SAN_TEST_BINS) $(LISAFS_SERVER)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@for t in $(LISAFS_SAN_TEST_BINS); do \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		LISAFS_TEST_QUICK=1 LD_LIBRARY_PATH=$(BUILD)/lib \
		scripts/run-tap-test $(RESULTS)/$@.results $(LISAFS_TEST_TIMEOUT) lisafs-san/ $$t; \
	done
NATIVE_CHECKS += lisafs-test-sanitize

# The request fuzzer: clang's libFuzzer with ASan+UBSan over the server's
# sources (and the library pieces they use), bounded to LISAFS_FUZZ_SECONDS;
# new corpus entries stay in build/.
LISAFS_FUZZ         := $(BUILD)/lib/fuzz/lisafs_server_fuzz
LISAFS_FUZZ_SECONDS ?= 60
LISAFS_FUZZ_SRCS    := lib/fuzz/lisafs_server_fuzz.c \
		       $(wildcard lib/src/lisafs/*.c) lib/src/window.c \
		       $(wildcard lib/src/endpoint*.c) lib/src/fdchannel.c \
		       lib/src/scm_rights.c lib/src/device.c lib/src/sized.c \
		       lib/src/wait_policy.c

$(LISAFS_FUZZ): $(LISAFS_FUZZ_SRCS) $(wildcard lib/src/lisafs/*.h)
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS_COMMON) \
		-I$(SRCDIR)/lib/src -o $@ $(LISAFS_FUZZ_SRCS) -pthread

.PHONY: lisafs-fuzz
lisafs-fuzz:
	@mkdir -p $(RESULTS) $(BUILD)/lib/fuzz/corpus-lisafs
	@if $(MAKE) --no-print-directory $(LISAFS_FUZZ) >$(RESULTS)/$@.log 2>&1 && \
	    $(LISAFS_FUZZ) -max_total_time=$(LISAFS_FUZZ_SECONDS) -max_len=4096 \
		-timeout=10 $(BUILD)/lib/fuzz/corpus-lisafs \
		lib/fuzz/corpus/lisafs_server >>$(RESULTS)/$@.log 2>&1; then \
		echo "PASS lisafs/fuzz.server" >$(RESULTS)/$@.results; \
	else \
		echo "FAIL lisafs/fuzz.server" >$(RESULTS)/$@.results; \
	fi; tail -3 $(RESULTS)/$@.log
NATIVE_CHECKS += lisafs-fuzz

# The benchmark: make bench runs it natively (device rows when the module
# is loaded); the static build goes to bench-vm for the device rows.
LISAFS_BENCH        := $(BUILD)/lib/tests/lisafs_bench
LISAFS_BENCH_STATIC := $(BUILD)/lib/vm/lisafs-bench
LISAFS_BENCH_ARGS   ?=

$(LISAFS_BENCH): lib/tests/lisafs_bench.c $(LISAFS_TEST_UTIL) bench/pin_cpu.h bench/icount.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -pthread $(CPPFLAGS_COMMON) \
		-I$(SRCDIR)/lib/tests -I$(SRCDIR)/bench -o $@ $< lib/tests/lisafs_test_util.c bench/icount.c \
		$(LIB_A) $(LIB_LDLIBS)

$(LISAFS_BENCH_STATIC): lib/tests/lisafs_bench.c $(LISAFS_TEST_UTIL) bench/pin_cpu.h bench/icount.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -pthread $(CPPFLAGS_COMMON) -static \
		-I$(SRCDIR)/lib/tests -I$(SRCDIR)/bench -o $@ $< lib/tests/lisafs_test_util.c bench/icount.c \
		$(LIB_A) $(LIB_LDLIBS)

.PHONY: lisafs-bench
# Natively both placements, pinned: client and server on one CPU, then on two.
lisafs-bench: $(LISAFS_BENCH)
	@mkdir -p $(RESULTS)
	$(LISAFS_BENCH) -P same -j $(RESULTS)/lisafs-bench-same.json $(LISAFS_BENCH_ARGS)
	$(LISAFS_BENCH) -P cross -j $(RESULTS)/lisafs-bench-cross.json $(LISAFS_BENCH_ARGS)
BENCH_TARGETS += lisafs-bench
VM_BENCH_BINS += $(LISAFS_BENCH_STATIC)
ALL_TARGETS   += $(LISAFS_BENCH)

# Device channels: the same MID and suite tests, static, defaulting to
# device channels, run in the VM where the module is loaded.
LISAFS_VM_TESTS := $(BUILD)/lib/vm/lisafs_mid_test-device \
		   $(BUILD)/lib/vm/lisafs_suite_test-device
$(LISAFS_VM_TESTS): $(BUILD)/lib/vm/%-device: lib/tests/%.c $(LISAFS_TEST_UTIL) $(LIB_WB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LISAFS_TEST_CFLAGS) -DTEST_DEFAULT_DEVICE -static -o $@ $< \
		lib/tests/lisafs_test_util.c $(LIB_WB_A) $(LIB_LDLIBS)
lisafs-tests: $(LISAFS_VM_TESTS)
VM_TEST_BINS += $(LISAFS_VM_TESTS)
