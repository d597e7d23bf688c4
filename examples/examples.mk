# SPDX-License-Identifier: GPL-2.0
# Example client and server (two processes; the window fd travels over a
# unix socket). example_test links both, main()s renamed, and runs them as
# two processes: natively on the futex transport (stage examples-check),
# and as the static example_test-device in the VM on the device transport.
EXAMPLE_BINS := $(BUILD)/examples/flipcall-server $(BUILD)/examples/flipcall-client
EXAMPLE_TEST := $(BUILD)/examples/example_test
EXAMPLE_VM_TEST := $(BUILD)/examples/example_test-device
EXAMPLE_CFLAGS = $(CFLAGS) $(WARN) $(CPPFLAGS_COMMON)

$(BUILD)/examples/flipcall-%: examples/flipcall-%.c examples/example-proto.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(EXAMPLE_CFLAGS) -o $@ $< $(LIB_A) $(LIB_LDLIBS)

$(BUILD)/examples/example-%.o: examples/flipcall-%.c examples/example-proto.h
	@mkdir -p $(dir $@)
	$(CC) $(EXAMPLE_CFLAGS) -Wno-missing-prototypes -Dmain=example_$*_main \
		-c -o $@ $<

EXAMPLE_TEST_DEPS := examples/example_test.c $(BUILD)/examples/example-server.o \
		     $(BUILD)/examples/example-client.o $(LIB_A)
$(EXAMPLE_TEST): $(EXAMPLE_TEST_DEPS)
	$(CC) $(LIB_TEST_CFLAGS) -o $@ $(filter %.c %.o,$^) $(LIB_A) $(LIB_LDLIBS)

$(EXAMPLE_VM_TEST): $(EXAMPLE_TEST_DEPS)
	$(CC) $(LIB_TEST_CFLAGS) -static -o $@ $(filter %.c %.o,$^) $(LIB_A) $(LIB_LDLIBS)

.PHONY: examples examples-check
examples: $(EXAMPLE_BINS) $(EXAMPLE_TEST) $(EXAMPLE_VM_TEST)

examples-check: $(EXAMPLE_TEST)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/$@.results
	@scripts/run-tap-test $(RESULTS)/$@.results 120 examples/ $(EXAMPLE_TEST)

ALL_TARGETS   += examples
NATIVE_CHECKS += examples-check
VM_TEST_BINS  += $(EXAMPLE_VM_TEST)
