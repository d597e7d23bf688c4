# SPDX-License-Identifier: GPL-2.0
# The file system benchmark (bench/fs/fs-bench.c) and its baseline: libfuse's
# own passthrough_ll example, compiled from the copy Debian's libfuse3-dev
# ships (nothing of it is kept in this tree). Included by lisafs-fuse.mk.
#   make bench-fuse                      10,000 files, 256 MiB, 20,000 reads,
#                                        5 interleaved repetitions
#   make bench-fuse FS_BENCH_ARGS='-n 2000 -s 64 -r 5000 -R 7 -S 20'
#   make bench-fuse FS_BENCH_NOHOSTFD=1  adds lisafs-fuse -o no_host_fd
FS_BENCH        := $(BUILD)/bench/fs-bench
PASSTHROUGH_SRC := /usr/share/doc/libfuse3-dev/examples/passthrough_ll.c
PASSTHROUGH_LL  := $(BUILD)/bench/passthrough_ll
FS_BENCH_ARGS   ?=
FS_BENCH_NOHOSTFD ?= 0

$(FS_BENCH): bench/fs/fs-bench.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS_COMMON) -o $@ $<

# The example defines _GNU_SOURCE itself and is not -Werror clean.
$(PASSTHROUGH_LL): $(PASSTHROUGH_SRC)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FUSE3_CFLAGS) -I$(dir $(PASSTHROUGH_SRC)) -o $@ $< \
		$(FUSE3_LIBS)

.PHONY: bench-fuse
bench-fuse: $(FS_BENCH) $(PASSTHROUGH_LL) $(LISAFS_FUSE) $(LISAFS_SERVER)
	@mkdir -p $(RESULTS)
	LD_LIBRARY_PATH=$(BUILD)/lib FS_BENCH_NOHOSTFD=$(FS_BENCH_NOHOSTFD) \
		bench/fs/run-fs-bench.sh $(LISAFS_FUSE) $(PASSTHROUGH_LL) $(FS_BENCH) \
		-j $(RESULTS)/fs-bench.json $(FS_BENCH_ARGS)
BENCH_TARGETS += bench-fuse
