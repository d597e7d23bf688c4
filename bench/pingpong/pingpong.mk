# SPDX-License-Identifier: GPL-2.0
# futex-pingpong: gVisor's futex hand-off written twice, in C and in Go, to
# find out why C loses to Go across CPUs (Documentation/benchmarks.rst),
# and through libflipcall in each wait policy (Documentation/library.rst).
#   make bench-pingpong                         every pairing, same and cross CPU
#   make bench-pingpong PINGPONG_ARGS='5000 3'  round trips, runs
#   make bench-pingpong PINGPONG_ENV='C_ARGS="-t 20" PAIRS=c-c'
# Prints one line per run, a table of medians with ratios, and JSON (also
# in $(RESULTS)/pingpong.json). The Go twin needs Debian's golang-go
# (scripts/install-deps.sh go); without it only the C and library pairings run.
PINGPONG_C    := $(BUILD)/pingpong/pingpong-c
PINGPONG_GO   := $(BUILD)/pingpong/pingpong-go
PINGPONG_ARGS ?= 20000 3
PINGPONG_ENV  ?=

$(PINGPONG_C): bench/pingpong/pingpong.c bench/pingpong/pingpong_lib.c \
	      bench/pingpong/stats.c bench/pingpong/pingpong.h $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(WARN) $(CPPFLAGS_COMMON) -pthread -o $@ \
		$(filter %.c,$^) $(LIB_A) $(LIB_LDLIBS)

# GOPATH mode: the program needs only the standard library, nothing to fetch.
$(PINGPONG_GO): bench/pingpong/pingpong.go
	@mkdir -p $(@D)
	cd bench/pingpong && GO111MODULE=off GOCACHE=$(BUILD)/pingpong/go-cache \
		go build -o $@ pingpong.go

.PHONY: bench-pingpong
bench-pingpong: $(PINGPONG_C)
	@scripts/install-deps.sh go || true
	@mkdir -p $(RESULTS)
	@if command -v go >/dev/null; then \
		$(MAKE) --no-print-directory $(PINGPONG_GO) && \
		PINGPONG_JSON=$(RESULTS)/pingpong.json $(PINGPONG_ENV) \
			bench/pingpong/compare.sh $(BUILD)/pingpong $(PINGPONG_ARGS); \
	else \
		echo "bench-pingpong: SKIP the Go pairings: no go (apt-get install golang-go)"; \
		PAIRS="c-c lib-lib libny-libny libsleep-libsleep libspin-libspin" \
		PINGPONG_JSON=$(RESULTS)/pingpong.json $(PINGPONG_ENV) \
			bench/pingpong/compare.sh $(BUILD)/pingpong $(PINGPONG_ARGS); \
	fi

ALL_TARGETS   += $(PINGPONG_C)
BENCH_TARGETS += bench-pingpong
