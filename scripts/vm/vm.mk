# SPDX-License-Identifier: GPL-2.0
# The VM test harness (Documentation/testing.rst). Each stage builds what it
# needs, boots qemu once and writes its results files; the test kernels are
# cached under ~/.cache/flipcall/ (scripts/vm/build-kernel.sh).
#
#   make check-vm-debug   debug kernel: KUnit, VM_TEST_BINS, kernel log, kmemleak
#   make check-vm-stock   Debian's kernel: the module loads, maps, unloads
#   make check-vm-canary  injected use-after-free and leak must turn the stage red
#   make bench-vm         base kernel: VM_BENCH_BINS timed (2 vCPUs) and under
#                         qemu -icount (1 vCPU, guest instructions); JSON they
#                         write -> build/bench/, build/bench/icount/
#   make demo             two processes exchange a message through the module
#   make vm-shell         a shell in the debug VM, module loaded, VM_TEST_BINS in /progs
#   make checkpatch       checkpatch --strict on kmod/ and uapi/ (native stage)
#
# Knobs: VM_TESTS="a b" runs only these programs, KUNIT_ONLY=1 runs none,
# VM_TEST_TIMEOUT=<s> per program, VM_TIMEOUT=<s> per boot, VM_MEM=<MiB>,
# VM_SHOW=all shows the whole guest console, DEMO_FLAVOUR=base|debug,
# DEMO_ARGS="5 poll" (rounds; poll the state word instead of the ioctl),
# VM_BENCH_ARGS="-j {}.json" arguments of each bench-vm program ({} = its
# name; files the programs write in their directory land in build/bench/),
# BENCH_MODE=timed|icount|both (default both) which boots bench-vm makes,
# VM_BENCH_TRACE=sched:sched_switch,... tracefs events the timed boot records
# while its programs run (-> build/bench/trace.txt, summarised per row by
# scripts/vm/bench-trace-wakeups.py).

# VM_TESTS and KUNIT_ONLY select among VM_TEST_BINS only: the stock stage
# always runs its smoke test.
VM_STAGE = BUILD=$(BUILD) RESULTS=$(RESULTS) scripts/vm/vm-stage.sh
STOCK_SMOKE := $(BUILD)/vm/stock-smoke

BENCH_MODE ?= both

.PHONY: vm-deps check-vm-debug check-vm-stock check-vm-canary bench-vm demo vm-shell checkpatch vm-kernels

vm-deps:
	@scripts/install-deps.sh build vm

# Programs that fail to build are reported by the stage ("not built"), so
# a build error shows up in the summary instead of silently skipping a stage.
# VM_TOOLS (from the fragments): programs the VM tests call, on the guest's
# PATH (/usr/local/bin).
check-vm-debug: vm-deps
	-@$(if $(VM_TEST_BINS)$(VM_TOOLS),$(MAKE) --no-print-directory -k $(VM_TEST_BINS) $(VM_TOOLS))
	@VM_TESTS="$(VM_TESTS)" KUNIT_ONLY=$(KUNIT_ONLY) VM_TOOLS="$(VM_TOOLS)" \
		$(VM_STAGE) debug $(VM_TEST_BINS)

check-vm-stock: vm-deps
	@scripts/install-deps.sh stock
	-@$(MAKE) --no-print-directory -k module $(STOCK_SMOKE)
	@$(VM_STAGE) stock $(STOCK_SMOKE)

$(STOCK_SMOKE): scripts/vm/stock-smoke.c uapi/linux/flipcall.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS_COMMON) -isystem third_party/kselftest -o $@ $<

bench-vm: vm-deps $(VM_BENCH_BINS)
	@BUILD=$(BUILD) VM_TESTS="$(VM_TESTS)" BENCH_MODE=$(BENCH_MODE) \
		$(if $(VM_BENCH_ARGS),VM_BENCH_ARGS="$(VM_BENCH_ARGS)") \
		scripts/vm/bench-vm.sh $(VM_BENCH_BINS)

demo: vm-deps all $(FLIPCALL_DEMO_BIN)
	@BUILD=$(BUILD) DEMO_ARGS="$(DEMO_ARGS)" scripts/vm/vm-stage.sh demo $(FLIPCALL_DEMO_BIN)

vm-shell: vm-deps $(VM_TEST_BINS) $(VM_TOOLS) $(FLIPCALL_DEMO_BIN)
	@BUILD=$(BUILD) VM_TIMEOUT=0 VM_TOOLS="$(VM_TOOLS)" scripts/vm/vm-stage.sh shell $(VM_TEST_BINS) $(FLIPCALL_DEMO_BIN)

# The harness itself must be able to fail: a use-after-free and a leak
# injected into a copy of the module must turn the debug stage red.
check-vm-canary: vm-deps
	-@$(MAKE) --no-print-directory -k $(BUILD)/selftests/api_test
	@BUILD=$(BUILD) scripts/vm/canary.sh $(RESULTS)/vm-canary.results $(BUILD)/selftests/api_test

checkpatch: vm-deps
	@scripts/vm/checkpatch.sh $(RESULTS)/checkpatch.results kmod uapi

# Build (or find in the cache) both test kernels, e.g. to warm a CI cache.
vm-kernels: vm-deps
	@scripts/vm/build-kernel.sh debug
	@scripts/vm/build-kernel.sh base

VM_CHECKS += check-vm-debug check-vm-stock check-vm-canary
NATIVE_CHECKS += checkpatch
