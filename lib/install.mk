# SPDX-License-Identifier: GPL-2.0
# make install PREFIX=/usr/local DESTDIR=: headers (with the uapi header
# they include), shared library + SONAME symlinks, static library,
# pkg-config file (generated for the install PREFIX), section-3 man pages.
LIB_INCDIR := $(DESTDIR)$(PREFIX)/include
LIB_LIBDIR := $(DESTDIR)$(LIBDIR)
LIB_MANDIR := $(DESTDIR)$(PREFIX)/share/man/man3

.PHONY: install-lib
install-lib: $(LIB_A) $(LIB_SO) $(LIB_PC)
	install -d $(LIB_INCDIR)/flipcall $(LIB_INCDIR)/linux \
		$(LIB_LIBDIR)/pkgconfig $(LIB_MANDIR)
	install -m 644 lib/include/flipcall/*.h $(LIB_INCDIR)/flipcall/
	install -m 644 uapi/linux/flipcall.h $(LIB_INCDIR)/linux/
	install -m 755 $(LIB_SO) $(LIB_LIBDIR)/
	ln -sf libflipcall.so.$(LIB_VERSION) $(LIB_LIBDIR)/libflipcall.so.$(LIB_MAJOR)
	ln -sf libflipcall.so.$(LIB_MAJOR) $(LIB_LIBDIR)/libflipcall.so
	install -m 644 $(LIB_A) $(LIB_LIBDIR)/
	install -m 644 $(LIB_PC) $(LIB_LIBDIR)/pkgconfig/
	install -m 644 man/man3/*.3 $(LIB_MANDIR)/

INSTALL_TARGETS += install-lib
