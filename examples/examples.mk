# SPDX-License-Identifier: GPL-2.0
# Example client and server (two processes; the window fd travels over a
# unix socket). examples-check runs them on the futex transport, and on
# the device transport when /dev/flipcall exists.
EXAMPLE_BINS := $(BUILD)/examples/flipcall-server $(BUILD)/examples/flipcall-client

$(BUILD)/examples/%: examples/%.c examples/example-proto.h $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS_COMMON) -o $@ $< $(LIB_A) $(LIB_LDLIBS)

.PHONY: examples examples-check
examples: $(EXAMPLE_BINS)

examples-check: $(EXAMPLE_BINS)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/$@.results
	@examples/run-example.sh $(BUILD)/examples $(RESULTS)/$@.results -f
	@examples/run-example.sh $(BUILD)/examples $(RESULTS)/$@.results -d

ALL_TARGETS   += examples
NATIVE_CHECKS += examples-check
