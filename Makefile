# SPDX-License-Identifier: GPL-2.0
#
# Top-level build. Each directory owns a fragment (*.mk) that appends to the
# target lists below, so adding a component never edits another's rules.
#
#   make              module, library, tools
#   make check        every test: native and VM; ends with "N passed, N failed"
#   make check-native native tests only
#   make check-vm     VM tests only (see scripts/vm/vm.mk for knobs)
#   make demo         boot the VM and show two processes exchanging a message
#   make bench        native benchmarks; make bench-vm: benchmarks in the VM
#   make install      PREFIX=/usr/local DESTDIR= (LIBDIR=$PREFIX/lib)
#   make deb          Debian packages in build/deb/ (debian/, packaging.mk)

SRCDIR  := $(CURDIR)
BUILD   ?= $(CURDIR)/build
RESULTS ?= $(BUILD)/results
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
DESTDIR ?=

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CPPFLAGS_COMMON := -I$(SRCDIR)/uapi -I$(SRCDIR)/lib/include -D_GNU_SOURCE

# Filled in by the fragments. VM_TEST_BINS are TAP-producing programs the VM
# harness packs into the initramfs and runs in order; VM_BENCH_BINS likewise
# for bench-vm.
ALL_TARGETS     :=
NATIVE_CHECKS   :=
VM_CHECKS       :=
BENCH_TARGETS   :=
VM_TEST_BINS    :=
VM_BENCH_BINS   :=
VM_TOOLS        :=
INSTALL_TARGETS :=

.PHONY: all check check-native check-vm demo bench bench-vm install deps clean \
	check-native-stages check-vm-stages
all: ; @:

include uapi/uapi.mk
include kmod/kmod.mk
include kmod-shim/kmod-shim.mk
include lib/lib.mk
-include tools/tools.mk
-include selftests/selftests.mk
-include scripts/vm/vm.mk
-include scripts/pkg/pkg.mk

all: $(ALL_TARGETS)

deps:
	@scripts/install-deps.sh build

# Stages write $(RESULTS)/<stage>.results (PASS/FAIL/SKIP lines); a failing
# stage must not stop the others, so they run with -k and the summary decides.
check: deps
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	-@$(MAKE) --no-print-directory -k check-native-stages
	-@$(MAKE) --no-print-directory -k check-vm-stages
	@scripts/summarize-results $(RESULTS)

check-native: deps
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	-@$(MAKE) --no-print-directory -k check-native-stages
	@scripts/summarize-results $(RESULTS)

check-vm: deps
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	-@$(MAKE) --no-print-directory -k check-vm-stages
	@scripts/summarize-results $(RESULTS)

check-native-stages: $(NATIVE_CHECKS)
check-vm-stages: $(VM_CHECKS)

bench: deps $(BENCH_TARGETS)

install: $(INSTALL_TARGETS)

clean:
	rm -rf $(BUILD)
