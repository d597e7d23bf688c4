# SPDX-License-Identifier: GPL-2.0
# The module's ordering-sensitive code (kmod/handoff_order.h) compiled in
# userspace on a shim of the x86-64 kernel primitives (kmod-shim/include/)
# and raced on two real CPUs; see "poll" in Documentation/design.rst.
# handoff_order_sides.c is built twice: as is, and with the poller's
# smp_mb() compiled out, which the test requires to lose wake-ups.
#   kmod-shim-test   -> $(RESULTS)/kmod-shim-test.results
KSHIM_DIR    := $(BUILD)/kmod-shim
KSHIM_TEST   := $(KSHIM_DIR)/handoff_order_test
KSHIM_SIDES  := $(KSHIM_DIR)/sides_as_built.o $(KSHIM_DIR)/sides_without_poller_mb.o
KSHIM_HDRS   := kmod/handoff_order.h kmod-shim/handoff_order_race.h \
		$(wildcard kmod-shim/include/linux/*.h)
KSHIM_CFLAGS  = $(CFLAGS) $(WARN) -I$(SRCDIR)/kmod-shim/include \
		-I$(SRCDIR)/kmod -I$(SRCDIR)/kmod-shim
# The harness header itself trips these.
KSHIM_TEST_CFLAGS = $(CFLAGS) $(WARN) -Wno-unused-parameter \
		    -Wno-missing-prototypes -Wno-sign-compare -pthread \
		    -D_GNU_SOURCE -I$(SRCDIR)/third_party/kselftest \
		    -I$(SRCDIR)/kmod-shim

$(KSHIM_DIR)/sides_as_built.o: kmod-shim/handoff_order_sides.c $(KSHIM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(KSHIM_CFLAGS) -DSIDES=handoff_order_as_built \
		-DSIDES_NAME='"as built"' -c -o $@ $<

$(KSHIM_DIR)/sides_without_poller_mb.o: kmod-shim/handoff_order_sides.c $(KSHIM_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(KSHIM_CFLAGS) -DSHIM_POLLER_WITHOUT_MB \
		-DSIDES=handoff_order_without_poller_mb \
		-DSIDES_NAME='"without the poller smp_mb()"' -c -o $@ $<

$(KSHIM_TEST): kmod-shim/handoff_order_test.c $(KSHIM_SIDES) \
	       kmod-shim/handoff_order_race.h third_party/kselftest/kselftest_harness.h
	$(CC) $(KSHIM_TEST_CFLAGS) -o $@ $< $(KSHIM_SIDES) -pthread

# The shim is x86-64's instructions; elsewhere the stage says so and skips.
.PHONY: kmod-shim-test
ifeq ($(shell uname -m),x86_64)
kmod-shim-test: $(KSHIM_TEST)
	@mkdir -p $(RESULTS) && rm -f $(RESULTS)/$@.results
	@scripts/run-tap-test $(RESULTS)/$@.results 180 kmod-shim/ $(KSHIM_TEST)
else
kmod-shim-test:
	@mkdir -p $(RESULTS)
	@echo "SKIP kmod-shim/handoff_order_test: the shim models x86-64 only" \
		>$(RESULTS)/$@.results
endif

NATIVE_CHECKS += kmod-shim-test
