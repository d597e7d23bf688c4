# SPDX-License-Identifier: GPL-2.0
# Kselftest-style programs exercising /dev/flipcall from userspace, one per
# concern, sharing flipcall_test.c. They run only inside the VM (the host
# kernel cannot load modules), so they are linked statically for the
# busybox initramfs and handed to the harness through VM_TEST_BINS.
SELFTEST_PROGS := api_test create_test mmap_test lifetime_test handoff_test \
		  argmem_test memlock_test bugkind_test \
		  shutdown_test poll_test stress_test
SELFTEST_DIR   := $(BUILD)/selftests
SELFTEST_BINS  := $(addprefix $(SELFTEST_DIR)/,$(SELFTEST_PROGS))
SELFTEST_HELPER := $(SELFTEST_DIR)/flipcall_test.o

# The harness header defines non-static functions without prototypes,
# compares signed with unsigned and leaves parameters unused.
SELFTEST_NOWARN := -Wno-missing-prototypes -Wno-sign-compare -Wno-unused-parameter
SELFTEST_CFLAGS = $(CFLAGS) $(WARN) $(SELFTEST_NOWARN) -pthread \
		  $(CPPFLAGS_COMMON) -I$(SRCDIR)/third_party/kselftest \
		  -I$(SRCDIR)/selftests

$(SELFTEST_HELPER): selftests/flipcall_test.c selftests/flipcall_test.h \
		    uapi/linux/flipcall.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -c -o $@ $<

$(SELFTEST_DIR)/%: selftests/%.c $(SELFTEST_HELPER) selftests/flipcall_test.h \
		   uapi/linux/flipcall.h third_party/kselftest/kselftest_harness.h
	@mkdir -p $(dir $@)
	$(CC) $(SELFTEST_CFLAGS) -static -o $@ $< $(SELFTEST_HELPER) -pthread

.PHONY: selftests
selftests: $(SELFTEST_BINS)

ALL_TARGETS  += selftests
VM_TEST_BINS += $(SELFTEST_BINS)
