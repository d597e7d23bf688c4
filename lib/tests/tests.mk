# SPDX-License-Identifier: GPL-2.0
# Every lib/tests/*_test.c is one kselftest-harness program, linked against
# the static library. Stages:
#   lib-check           the tests natively  -> $(RESULTS)/lib.results
#   lib-check-sanitize  library and tests built with ASan+UBSan
#                                           -> $(RESULTS)/lib-sanitize.results
# *_test-device: the same endpoint tests, static, defaulting to the device
# transport, for the VM (VM_TEST_BINS).
# urpc's and lisafs's tests have their own stages (lib/src/*/*.mk).
LIB_TEST_SRCS   := $(sort $(filter-out lib/tests/urpc_% lib/tests/lisafs_%,$(wildcard lib/tests/*_test.c)))
LIB_TESTS       := $(patsubst lib/tests/%.c,$(BUILD)/lib/tests/%,$(LIB_TEST_SRCS))
LIB_SAN_TESTS   := $(patsubst lib/tests/%.c,$(BUILD)/lib/san/tests/%,$(LIB_TEST_SRCS))
LIB_VM_TESTS    := $(patsubst lib/tests/%.c,$(BUILD)/lib/vm/%-device,\
		     $(wildcard lib/tests/endpoint*_test.c))
LIB_TEST_TIMEOUT ?= 900
# The harness header itself trips these.
LIB_TEST_WARN   := -Wno-unused-parameter -Wno-missing-prototypes -Wno-sign-compare

LIB_SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
LIB_SAN_OBJS    := $(patsubst lib/src/%.c,$(BUILD)/lib/san/obj/%.o,$(LIB_SRCS))
LIB_SAN_A       := $(BUILD)/lib/san/libflipcall.a
LIB_TEST_CFLAGS  = $(CFLAGS) $(WARN) $(LIB_TEST_WARN) -pthread $(CPPFLAGS_COMMON) \
		   -I$(SRCDIR)/third_party/kselftest -I$(SRCDIR)/lib/tests

$(BUILD)/lib/tests/%: lib/tests/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_TEST_CFLAGS) -MMD -MP -o $@ $< $(LIB_A) $(LIB_LDLIBS)

$(BUILD)/lib/san/obj/%.o: lib/src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) $(LIB_SAN_FLAGS) -MMD -MP -c -o $@ $<

$(LIB_SAN_A): $(LIB_SAN_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/lib/san/tests/%: lib/tests/%.c $(LIB_SAN_A)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_TEST_CFLAGS) $(LIB_SAN_FLAGS) -MMD -MP -o $@ $< \
		$(LIB_SAN_A) $(LIB_LDLIBS)

$(BUILD)/lib/vm/%-device: lib/tests/%.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(LIB_TEST_CFLAGS) -DTEST_DEFAULT_TRANSPORT='"device"' -static \
		-MMD -MP -o $@ $< $(LIB_A) $(LIB_LDLIBS)

.PHONY: lib-tests lib-check lib-check-sanitize
lib-tests: $(LIB_TESTS) $(LIB_VM_TESTS)

lib-check: $(LIB_TESTS)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/$@.results
	@for t in $(LIB_TESTS); do \
		scripts/run-tap-test $(RESULTS)/$@.results $(LIB_TEST_TIMEOUT) lib/ $$t; \
	done

# The sanitizers abort on the first finding, which run-tap-test records.
lib-check-sanitize: $(LIB_SAN_TESTS)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/$@.results
	@for t in $(LIB_SAN_TESTS); do \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		FLIPCALL_TEST_ROUNDS=200000 \
		scripts/run-tap-test $(RESULTS)/$@.results $(LIB_TEST_TIMEOUT) lib-san/ $$t; \
	done

ALL_TARGETS    += lib-tests
NATIVE_CHECKS  += lib-check lib-check-sanitize
VM_TEST_BINS   += $(LIB_VM_TESTS)

-include $(LIB_TESTS:=.d) $(LIB_SAN_TESTS:=.d) $(LIB_SAN_OBJS:.o=.d) \
	 $(LIB_VM_TESTS:=.d)
