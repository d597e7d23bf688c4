# SPDX-License-Identifier: GPL-2.0
# The module against the headers of the running kernel, or Debian's 6.1
# headers when the running kernel has none (this host's kernel cannot load
# modules at all; the VM targets build against the test kernels).
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
KMOD_OUT := $(BUILD)/kmod/host

.PHONY: module
module:
	@test -n "$(KDIR)" || { echo "no kernel headers: run scripts/install-deps.sh build"; exit 1; }
	kmod/build.sh $(KDIR) $(KMOD_OUT)

ALL_TARGETS += module
