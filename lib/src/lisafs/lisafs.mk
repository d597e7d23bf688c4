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
		LISAFS_TEST_QUICK=1 \
		scripts/run-tap-test $(RESULTS)/$@.results $(LISAFS_TEST_TIMEOUT) lisafs-san/ $$t; \
	done
NATIVE_CHECKS += lisafs-test-sanitize
