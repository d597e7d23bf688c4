# SPDX-License-Identifier: GPL-2.0
# urpc: tests (stage urpc-test), the decoder fuzzer (stage urpc-fuzz), the
# benchmark (urpc-bench), the urpc-echo-server example. Included by lib.mk.

# The harness macros trip these.
URPC_TEST_CFLAGS = $(CFLAGS) $(WARN) -Wno-unused-parameter -Wno-sign-compare \
		   -Wno-missing-prototypes -Wno-misleading-indentation -pthread $(CPPFLAGS_COMMON) \
		   -I$(SRCDIR)/lib/src -I$(SRCDIR)/third_party/kselftest \
		   $(LIB_PKG_CFLAGS)
URPC_TESTS     := urpc_decode_test urpc_server_test urpc_client_test \
		  urpc_interop_test
URPC_TEST_BINS := $(addprefix $(BUILD)/lib/tests/,$(URPC_TESTS))
URPC_TEST_UTIL := lib/tests/urpc_test_util.c lib/tests/urpc_test_util.h

# Tests link the white-box archive: they also reach the decoder directly.
$(URPC_TEST_BINS): $(BUILD)/lib/tests/%: lib/tests/%.c $(URPC_TEST_UTIL) $(LIB_WB_A)
	@mkdir -p $(dir $@)
	$(CC) $(URPC_TEST_CFLAGS) -o $@ $< lib/tests/urpc_test_util.c \
		$(LIB_WB_A) $(LIB_LDLIBS)

.PHONY: urpc-test
urpc-test: $(URPC_TEST_BINS)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@for t in $(URPC_TEST_BINS); do \
		scripts/run-tap-test $(RESULTS)/$@.results 300 urpc/ $$t; \
	done
NATIVE_CHECKS += urpc-test

# The decoder fuzzer: clang's libFuzzer with ASan over the decoder's own
# sources, bounded to URPC_FUZZ_SECONDS; new corpus entries stay in build/.
URPC_FUZZ         := $(BUILD)/lib/fuzz/urpc_decode_fuzz
URPC_FUZZ_SECONDS ?= 60
URPC_FUZZ_SRCS    := lib/fuzz/urpc_decode_fuzz.c lib/src/urpc/decode.c \
		     lib/src/urpc/numbers.c lib/src/urpc/envelope.c \
		     lib/src/urpc/encode.c

$(URPC_FUZZ): $(URPC_FUZZ_SRCS) lib/src/urpc/urpc_internal.h
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS_COMMON) \
		-I$(SRCDIR)/lib/src $(LIB_PKG_CFLAGS) -o $@ $(URPC_FUZZ_SRCS) \
		$(LIB_PKG_LIBS)

.PHONY: urpc-fuzz
urpc-fuzz:
	@mkdir -p $(RESULTS) $(BUILD)/lib/fuzz/corpus
	@if $(MAKE) --no-print-directory $(URPC_FUZZ) >$(RESULTS)/$@.log 2>&1 && \
	    $(URPC_FUZZ) -max_total_time=$(URPC_FUZZ_SECONDS) -max_len=4096 \
		$(BUILD)/lib/fuzz/corpus lib/fuzz/corpus/urpc_decode \
		>>$(RESULTS)/$@.log 2>&1; then \
		echo "PASS urpc/fuzz.decoder" >$(RESULTS)/$@.results; \
	else \
		echo "FAIL urpc/fuzz.decoder" >$(RESULTS)/$@.results; \
	fi; tail -3 $(RESULTS)/$@.log
NATIVE_CHECKS += urpc-fuzz

URPC_BENCH := $(BUILD)/lib/tests/urpc_bench
$(URPC_BENCH): lib/tests/urpc_bench.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -pthread $(CPPFLAGS_COMMON) $(LIB_PKG_CFLAGS) \
		-o $@ $< $(LIB_A) $(LIB_LDLIBS)

.PHONY: urpc-bench
urpc-bench: $(URPC_BENCH)
	$(URPC_BENCH)
BENCH_TARGETS += urpc-bench

# The same tests over the ASan+UBSan build of the library (lib/tests/tests.mk).
URPC_SAN_TEST_BINS := $(addprefix $(BUILD)/lib/san/tests/,$(URPC_TESTS))
$(URPC_SAN_TEST_BINS): $(BUILD)/lib/san/tests/%: lib/tests/%.c $(URPC_TEST_UTIL) $(LIB_SAN_A)
	@mkdir -p $(dir $@)
	$(CC) $(URPC_TEST_CFLAGS) $(LIB_SAN_FLAGS) -o $@ $< \
		lib/tests/urpc_test_util.c $(LIB_SAN_A) $(LIB_LDLIBS)

.PHONY: urpc-test-sanitize
urpc-test-sanitize: $(URPC_SAN_TEST_BINS)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@for t in $(URPC_SAN_TEST_BINS); do \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		scripts/run-tap-test $(RESULTS)/$@.results 600 urpc-san/ $$t; \
	done
NATIVE_CHECKS += urpc-test-sanitize
