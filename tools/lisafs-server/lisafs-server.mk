# SPDX-License-Identifier: GPL-2.0
# lisafs-server(1): links libflipcall statically so it installs alone. Its
# end-to-end test is lib/tests/lisafs_tool_test.c (stage lisafs-test).
# LISAFS_SERVER is set in lib/src/lisafs/lisafs.mk (the tests use it).

$(LISAFS_SERVER): tools/lisafs-server/lisafs-server.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -pthread $(CPPFLAGS_COMMON) -o $@ $< \
		$(LIB_A) $(LIB_LDLIBS)

ALL_TARGETS += $(LISAFS_SERVER)

.PHONY: install-lisafs-server
install-lisafs-server: $(LISAFS_SERVER)
	install -D -m 0755 $(LISAFS_SERVER) $(DESTDIR)$(PREFIX)/bin/lisafs-server
	install -D -m 0644 man/man1/lisafs-server.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/lisafs-server.1
INSTALL_TARGETS += install-lisafs-server
