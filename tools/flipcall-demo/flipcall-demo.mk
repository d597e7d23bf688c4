# SPDX-License-Identifier: GPL-2.0
# flipcall-demo: two processes exchange messages through the module
# (`make demo` runs it in the VM, see scripts/vm/vm.mk).
FLIPCALL_DEMO_BIN := $(BUILD)/tools/flipcall-demo

$(FLIPCALL_DEMO_BIN): tools/flipcall-demo/flipcall-demo.c uapi/linux/flipcall.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS_COMMON) -o $@ $<

ALL_TARGETS += $(FLIPCALL_DEMO_BIN)
