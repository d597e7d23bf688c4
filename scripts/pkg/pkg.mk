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
