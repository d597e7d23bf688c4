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

# Tests link the static library: they also reach the decoder directly.
$(URPC_TEST_BINS): $(BUILD)/lib/tests/%: lib/tests/%.c $(URPC_TEST_UTIL) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(URPC_TEST_CFLAGS) -o $@ $< lib/tests/urpc_test_util.c \
		$(LIB_A) $(LIB_LDLIBS)

.PHONY: urpc-test
urpc-test: $(URPC_TEST_BINS)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@for t in $(URPC_TEST_BINS); do \
		scripts/run-tap-test $(RESULTS)/$@.results 300 urpc/ $$t; \
	done
NATIVE_CHECKS += urpc-test
