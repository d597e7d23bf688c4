# SPDX-License-Identifier: GPL-2.0
# Debian packages (debian/) and their test.
#
#   make deb         dpkg-buildpackage -us -uc -b on a copy of this tree
#                    (tracked and untracked files, not build/); the .debs,
#                    .changes and .buildinfo land in $(DEB_OUT)
#   make check-deb   the packages from a clean clone of HEAD, lintian, and
#                    dpkg -i into a cached debootstrap chroot: DKMS builds
#                    the module for Debian's kernel, pkg-config and an
#                    example link there (scripts/pkg/check-deb.sh); the
#                    DKMS-built module is left for check-vm-stock-dkms
DEB_OUT ?= $(BUILD)/deb

.PHONY: deb check-deb check-vm-stock-dkms
deb:
	@scripts/install-deps.sh deb
	@scripts/pkg/build-deb.sh $(SRCDIR) $(DEB_OUT)

check-deb:
	@scripts/install-deps.sh deb pkgtest stock
	@BUILD=$(BUILD) scripts/pkg/check-deb.sh $(SRCDIR) $(RESULTS)/deb.results

NATIVE_CHECKS += check-deb

# The VM half: Debian's stock kernel boots with the module DKMS built in the
# chroot (check-deb leaves it in $(DKMS_KO)) and runs the stock smoke test
# and devperm_test (the shipped udev rule and modprobe options, compiled in)
# -> vm-stock-dkms.results. SKIP when check-deb has not produced the module.
DKMS_KO := $(DEB_OUT)/dkms/flipcall.ko
DEVPERM_TEST := $(BUILD)/pkg/devperm_test
DEVPERM_FILES := debian/flipcall-dkms.udev debian/flipcall-dkms.modprobe

$(DEVPERM_TEST): scripts/pkg/devperm_test.c $(DEVPERM_FILES) $(LIB_A) \
		 third_party/kselftest/kselftest_harness.h
	@mkdir -p $(@D)
	$(CC) $(LIB_TEST_CFLAGS) -static \
		-DUDEV_RULE_FILE='"$(SRCDIR)/debian/flipcall-dkms.udev"' \
		-DMODPROBE_CONF_FILE='"$(SRCDIR)/debian/flipcall-dkms.modprobe"' \
		-o $@ $< $(LIB_A) $(LIB_LDLIBS)

check-vm-stock-dkms: vm-deps
	@scripts/install-deps.sh stock
	-@$(MAKE) --no-print-directory -k $(STOCK_SMOKE) $(DEVPERM_TEST)
	@mkdir -p $(RESULTS); if [ -f $(DKMS_KO) ]; then \
		STOCK_KO=$(DKMS_KO) $(VM_STAGE) stock-dkms $(STOCK_SMOKE) $(DEVPERM_TEST); \
	else \
		echo "SKIP vm-stock-dkms: no DKMS-built module in $(DKMS_KO) (make check-deb first)" \
			| tee $(RESULTS)/vm-stock-dkms.results; \
	fi

ALL_TARGETS += $(DEVPERM_TEST)
VM_CHECKS += check-vm-stock-dkms
