# SPDX-License-Identifier: GPL-2.0
# The transport's users under the non-default wait policies: lib-check,
# urpc-test and lisafs-test run with the default (adaptive); these stages
# run the endpoint, urpc and lisafs tests again with FLIPCALL_WAIT_POLICY
# set, which every endpoint left at FLIPCALL_WAIT_DEFAULT follows.
#   wait-policy-check-sleep  -> $(RESULTS)/wait-policy-check-sleep.results
#   wait-policy-check-spin   -> $(RESULTS)/wait-policy-check-spin.results
# The policy's own state machine is tested in lib-check (wait_policy_test).
# Included by lib.mk after the urpc and lisafs fragments.
WAIT_POLICY_TEST_BINS := $(filter $(BUILD)/lib/tests/endpoint%,$(LIB_TESTS)) \
			 $(URPC_TEST_BINS) $(LISAFS_TEST_BINS)
WAIT_POLICY_STAGES    := wait-policy-check-sleep wait-policy-check-spin

.PHONY: $(WAIT_POLICY_STAGES)
$(WAIT_POLICY_STAGES): wait-policy-check-%: $(WAIT_POLICY_TEST_BINS) $(LISAFS_SERVER)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@for t in $(WAIT_POLICY_TEST_BINS); do \
		FLIPCALL_WAIT_POLICY=$* LISAFS_TEST_QUICK=1 \
		FLIPCALL_TEST_ROUNDS=200000 LD_LIBRARY_PATH=$(BUILD)/lib \
		scripts/run-tap-test $(RESULTS)/$@.results $(LISAFS_TEST_TIMEOUT) \
			wait-$*/ $$t; \
	done
NATIVE_CHECKS += $(WAIT_POLICY_STAGES)
