# SPDX-License-Identifier: GPL-2.0
# sharedmem (gVisor's shared-memory NIC queues): tests (stage
# sharedmem-test), the same over ASan+UBSan (sharedmem-test-sanitize), the
# ring and descriptor fuzzer (sharedmem-fuzz), the device-backed tests for
# the VM, and the packet-rate benchmark (sharedmem-bench). Included by lib.mk.
#
# White-box tests reach internal functions: they link LIB_WB_A, a static
# archive that keeps the library's internals visible.
LIB_WB_A     ?= $(LIB_A)
LIB_WB_SAN_A ?= $(LIB_SAN_A)

SHM_TEST_CFLAGS = $(CFLAGS) $(WARN) -Wno-unused-parameter -Wno-sign-compare \
		  -Wno-missing-prototypes -pthread $(CPPFLAGS_COMMON) \
		  -I$(SRCDIR)/lib/src -I$(SRCDIR)/lib/tests \
		  -I$(SRCDIR)/third_party/kselftest
SHM_TEST_SRCS  := $(sort $(wildcard lib/tests/sharedmem_*_test.c))
SHM_TEST_BINS  := $(patsubst lib/tests/%.c,$(BUILD)/lib/tests/%,$(SHM_TEST_SRCS))
SHM_SAN_BINS   := $(patsubst lib/tests/%.c,$(BUILD)/lib/san/tests/%,$(SHM_TEST_SRCS))
SHM_VM_BINS    := $(BUILD)/lib/vm/sharedmem_endpoint_test-device
SHM_TEST_DEPS  := lib/tests/sharedmem_util.h $(wildcard lib/src/sharedmem/*.h)
SHM_TEST_TIMEOUT ?= 600

$(SHM_TEST_BINS): $(BUILD)/lib/tests/%: lib/tests/%.c $(SHM_TEST_DEPS) $(LIB_WB_A)
	@mkdir -p $(dir $@)
	$(CC) $(SHM_TEST_CFLAGS) -o $@ $< $(LIB_WB_A) $(LIB_LDLIBS)

$(SHM_SAN_BINS): $(BUILD)/lib/san/tests/%: lib/tests/%.c $(SHM_TEST_DEPS) $(LIB_WB_SAN_A)
	@mkdir -p $(dir $@)
	$(CC) $(SHM_TEST_CFLAGS) $(LIB_SAN_FLAGS) -o $@ $< $(LIB_WB_SAN_A) \
		$(LIB_LDLIBS)

$(SHM_VM_BINS): $(BUILD)/lib/vm/%-device: lib/tests/%.c $(SHM_TEST_DEPS) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(SHM_TEST_CFLAGS) -DTEST_DEFAULT_BACKING='"device"' -static \
		-o $@ $< $(LIB_A) $(LIB_LDLIBS)

.PHONY: sharedmem-tests sharedmem-test sharedmem-test-sanitize
sharedmem-tests: $(SHM_TEST_BINS) $(SHM_VM_BINS)

sharedmem-test: $(SHM_TEST_BINS)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@for t in $(SHM_TEST_BINS); do \
		scripts/run-tap-test $(RESULTS)/$@.results \
			$(SHM_TEST_TIMEOUT) sharedmem/ $$t; \
	done

# The sanitizers are slow: the stress tests run fewer packets.
sharedmem-test-sanitize: $(SHM_SAN_BINS)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@for t in $(SHM_SAN_BINS); do \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		SHAREDMEM_TEST_PACKETS=500000 \
		scripts/run-tap-test $(RESULTS)/$@.results $(SHM_TEST_TIMEOUT) \
			sharedmem-san/ $$t; \
	done

ALL_TARGETS   += sharedmem-tests
NATIVE_CHECKS += sharedmem-test sharedmem-test-sanitize
VM_TEST_BINS  += $(SHM_VM_BINS)

# The ring fuzzer: clang's libFuzzer with ASan+UBSan over the queue and
# pipe sources, bounded to SHM_FUZZ_SECONDS; new corpus entries stay in
# build/.
SHM_FUZZ         := $(BUILD)/lib/fuzz/sharedmem_ring_fuzz
SHM_FUZZ_SECONDS ?= 60
SHM_FUZZ_SRCS    := lib/fuzz/sharedmem_ring_fuzz.c \
		    $(addprefix lib/src/sharedmem/,pipe_tx.c pipe_rx.c \
		      descriptor.c packet.c queue_tx.c queue_rx.c)

$(SHM_FUZZ): $(SHM_FUZZ_SRCS) $(wildcard lib/src/sharedmem/*.h)
	@mkdir -p $(dir $@)
	clang -g -O1 -fsanitize=fuzzer,address,undefined $(CPPFLAGS_COMMON) \
		-I$(SRCDIR)/lib/src -o $@ $(SHM_FUZZ_SRCS)

.PHONY: sharedmem-fuzz
sharedmem-fuzz:
	@mkdir -p $(RESULTS) $(BUILD)/lib/fuzz/corpus-sharedmem
	@if $(MAKE) --no-print-directory $(SHM_FUZZ) >$(RESULTS)/$@.log 2>&1 && \
	    $(SHM_FUZZ) -max_total_time=$(SHM_FUZZ_SECONDS) -max_len=6000 \
		$(BUILD)/lib/fuzz/corpus-sharedmem lib/fuzz/corpus/sharedmem_ring \
		>>$(RESULTS)/$@.log 2>&1; then \
		echo "PASS sharedmem/fuzz.rings" >$(RESULTS)/$@.results; \
	else \
		echo "FAIL sharedmem/fuzz.rings" >$(RESULTS)/$@.results; \
	fi; tail -3 $(RESULTS)/$@.log
NATIVE_CHECKS += sharedmem-fuzz

# The packet-rate benchmark (make bench): table, ratios, and JSON in
# $(RESULTS)/sharedmem-bench.json. SHM_BENCH_ARGS passes options through.
SHM_BENCH      := $(BUILD)/lib/tests/sharedmem_bench
SHM_BENCH_ARGS ?=
$(SHM_BENCH): lib/tests/sharedmem_bench.c bench/pin_cpu.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -pthread $(CPPFLAGS_COMMON) -I$(SRCDIR)/bench \
		-o $@ $< $(LIB_A) $(LIB_LDLIBS)

.PHONY: sharedmem-bench
sharedmem-bench: $(SHM_BENCH)
	@mkdir -p $(RESULTS)
	$(SHM_BENCH) -j $(RESULTS)/sharedmem-bench.json $(SHM_BENCH_ARGS)
ALL_TARGETS   += $(SHM_BENCH)
BENCH_TARGETS += sharedmem-bench
