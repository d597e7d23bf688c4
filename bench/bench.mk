# SPDX-License-Identifier: GPL-2.0
# flipcall-bench: one program for every mechanism (see bench/flipcall-bench.c).
#   make bench                        native run, table + build/results/bench.json
#   make bench BENCH_ARGS='-n 5000'   pass options through
# The static build goes into VM_BENCH_BINS for make bench-vm; with no
# arguments it runs 500 round trips per run (TCG) and writes flipcall-bench.json.
BENCH_SRCS   := $(sort $(wildcard bench/*.c))
BENCH_BIN    := $(BUILD)/bench/flipcall-bench
BENCH_STATIC := $(BUILD)/bench/flipcall-bench-static
BENCH_ARGS   ?=
BENCH_CFLAGS  = $(CFLAGS) $(WARN) $(CPPFLAGS_COMMON) -pthread

$(BENCH_BIN): $(BENCH_SRCS) $(wildcard bench/*.h) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $(BENCH_SRCS) $(LIB_A) $(LIB_LDLIBS)

$(BENCH_STATIC): $(BENCH_SRCS) $(wildcard bench/*.h) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -static -DBENCH_DEFAULT_ITERATIONS=500 \
		-DBENCH_DEFAULT_JSON='"flipcall-bench.json"' \
		-o $@ $(BENCH_SRCS) $(LIB_A) $(LIB_LDLIBS)

.PHONY: flipcall-bench bench-flipcall
flipcall-bench: $(BENCH_BIN) $(BENCH_STATIC)

bench-flipcall: $(BENCH_BIN)
	@mkdir -p $(RESULTS)
	$(BENCH_BIN) -j $(RESULTS)/bench.json $(BENCH_ARGS)

ALL_TARGETS   += flipcall-bench
BENCH_TARGETS += bench-flipcall
VM_BENCH_BINS += $(BENCH_STATIC)

-include bench/pingpong/pingpong.mk
