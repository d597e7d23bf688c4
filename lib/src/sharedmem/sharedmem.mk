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
		scripts/run-tap-test $(RESULTS)/$@.results $(SHM_TEST_TIMEOUT) \
			sharedmem/ $$t; \
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
