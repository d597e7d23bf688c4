# SPDX-License-Identifier: GPL-2.0
# libflipcall: one shared library (SONAME libflipcall.so.1, symbol versions
# from libflipcall.map), one static library and a pkg-config file, built from
# every lib/src/**/*.c. Components add their link dependencies to LIB_PKGS.
LIB_MAJOR   := 1
LIB_VERSION := 1.1.0
LIB_PKGS    += json-c

LIB_SRCS    := $(sort $(wildcard lib/src/*.c lib/src/*/*.c))
LIB_OBJS    := $(patsubst lib/src/%.c,$(BUILD)/lib/obj/%.o,$(LIB_SRCS))
LIB_PIC     := $(patsubst lib/src/%.c,$(BUILD)/lib/pic/%.o,$(LIB_SRCS))
LIB_SO      := $(BUILD)/lib/libflipcall.so.$(LIB_VERSION)
LIB_A       := $(BUILD)/lib/libflipcall.a
# The same objects with their internal names visible, for white-box tests
# that call internal functions (urpc's decoder, endpoint helpers).
LIB_WB_A    := $(BUILD)/lib/wb/libflipcall.a
LIB_RELOC   := $(BUILD)/lib/libflipcall.o
LIB_PC      := $(BUILD)/lib/flipcall.pc

LIB_PKG_CFLAGS = $(shell pkg-config --cflags $(LIB_PKGS) 2>/dev/null)
LIB_PKG_LIBS   = $(shell pkg-config --libs $(LIB_PKGS) 2>/dev/null)
LIB_CFLAGS  = $(CFLAGS) $(WARN) -fvisibility=hidden -pthread $(CPPFLAGS_COMMON) \
	      -I$(SRCDIR)/lib/src $(LIB_PKG_CFLAGS)
LIB_LDLIBS  = $(LIB_PKG_LIBS) -pthread
OBJCOPY     ?= objcopy

$(BUILD)/lib/obj/%.o: lib/src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/lib/pic/%.o: lib/src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(LIB_CFLAGS) -fPIC -MMD -MP -c -o $@ $<

# The installed archive holds one relocatable object of the whole library
# whose hidden symbols (everything not FLIPCALL_EXPORT) are made local, so
# it exports exactly what the .so does, whatever names the sources use;
# lib-abi-check holds both to libflipcall.map.
$(LIB_RELOC): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(LD) -r -o $@ $^
	$(OBJCOPY) --localize-hidden $@

$(LIB_A): $(LIB_RELOC)
	rm -f $@ && $(AR) rcs $@ $^

$(LIB_WB_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && $(AR) rcs $@ $^

$(LIB_SO): $(LIB_PIC) lib/libflipcall.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libflipcall.so.$(LIB_MAJOR) \
		-Wl,--version-script=lib/libflipcall.map -Wl,--no-undefined \
		-o $@ $(LIB_PIC) $(LIB_LDLIBS)
	ln -sf libflipcall.so.$(LIB_VERSION) $(BUILD)/lib/libflipcall.so.$(LIB_MAJOR)
	ln -sf libflipcall.so.$(LIB_MAJOR) $(BUILD)/lib/libflipcall.so

# Regenerated every time: it bakes in PREFIX, which install may change.
$(LIB_PC): lib/flipcall.pc.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(LIB_VERSION)|' \
	    -e 's|@REQUIRES@|$(LIB_PKGS)|' $< >$@

.PHONY: lib FORCE
FORCE:
lib: $(LIB_A) $(LIB_SO) $(LIB_PC)

# Installed programs link the shared library (Debian policy: no private
# static copies); they depend on $(LIB_SO) and run from the build tree with
# LD_LIBRARY_PATH=$(BUILD)/lib. Static links are for the test VM only.
LIB_SHARED_LDLIBS = $(LDFLAGS) -L$(BUILD)/lib -lflipcall $(LIB_LDLIBS)
ALL_TARGETS += lib

-include $(LIB_OBJS:.o=.d) $(LIB_PIC:.o=.d)

# Tests, installation, examples and the benchmark have their own fragments.
include lib/tests/tests.mk
-include lib/install.mk examples/examples.mk bench/bench.mk
# urpc's tests, fuzzing and benchmark stages.
include lib/src/urpc/urpc.mk
# lisafs's tests, fuzzing and benchmark stages.
include lib/src/lisafs/lisafs.mk
# sharedmem's tests, fuzzing and benchmark stages.
include lib/src/sharedmem/sharedmem.mk
# The endpoint, urpc and lisafs tests again in each non-default wait policy.
include lib/tests/wait_policy.mk
