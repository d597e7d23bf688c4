# SPDX-License-Identifier: GPL-2.0
# urpc-call(1), and the urpc-echo-server example it is tested against. Both
# link the shared library (the tool as packaged), which also checks the
# exported urpc symbols.
URPC_CALL        := $(BUILD)/tools/urpc-call
URPC_ECHO_SERVER := $(BUILD)/examples/urpc-echo-server
URPC_TOOL_CFLAGS  = $(CFLAGS) $(WARN) -pthread $(CPPFLAGS_COMMON) \
		    $(LIB_PKG_CFLAGS)

$(URPC_CALL): tools/urpc-call/urpc-call.c $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(URPC_TOOL_CFLAGS) -o $@ $< $(LIB_SHARED_LDLIBS)

$(URPC_ECHO_SERVER): examples/urpc-echo-server/urpc-echo-server.c $(LIB_SO)
	@mkdir -p $(dir $@)
	$(CC) $(URPC_TOOL_CFLAGS) -o $@ $< -L$(BUILD)/lib -lflipcall \
		-Wl,-rpath,$(BUILD)/lib $(LIB_LDLIBS)

ALL_TARGETS += $(URPC_CALL) $(URPC_ECHO_SERVER)

# End to end: the tool against the example server, as a TAP script.
.PHONY: urpc-call-test install-urpc-call
urpc-call-test: $(URPC_CALL) $(URPC_ECHO_SERVER)
	@mkdir -p $(RESULTS) && : >$(RESULTS)/$@.results
	@LD_LIBRARY_PATH=$(BUILD)/lib scripts/run-tap-test $(RESULTS)/$@.results 120 urpc-call/ \
		tools/urpc-call/urpc-call-test.sh $(URPC_CALL) $(URPC_ECHO_SERVER)
NATIVE_CHECKS += urpc-call-test

install-urpc-call: $(URPC_CALL)
	install -D -m 0755 $(URPC_CALL) $(DESTDIR)$(PREFIX)/bin/urpc-call
	install -D -m 0644 man/man1/urpc-call.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/urpc-call.1
	for page in man/man3/urpc*.3; do \
		install -D -m 0644 $$page \
			$(DESTDIR)$(PREFIX)/share/man/man3/$$(basename $$page); \
	done
INSTALL_TARGETS += install-urpc-call
