# SPDX-License-Identifier: BSD-2-Clause
# Makefile - builds nomine (user space + CO-RE BPF skeletons), its tests and tools.
#
#   make            build/nomine
#   make SAN=1      the same with ASan+UBSan, into build-san/
#   make check-unit unit tests (cmocka)
#   make fuzz       libFuzzer harnesses (clang), run briefly by the test suite
#   make bench      benchmark report (ratios, side by side)
#   make image      OUT/nomine-image.tar, the OCI image (umoci; deploy/image)
#   make clean

SAN ?= 0
ifeq ($(SAN),1)
OUT ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
OUT ?= build
SANFLAGS :=
endif

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= bpftool
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/')
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wvla -Wformat=2 \
          -I$(OUT) -Isrc -DNOMINE_VERSION='"$(VERSION)"' $(SANFLAGS)
# Each compile records the headers it read (OUT/.deps, apart from the test
# binaries, which the test runner finds by name), so a header change rebuilds
# exactly what includes it.
DEPDIR = $(OUT)/.deps
DEPFLAGS = -MMD -MP -MF $(DEPDIR)/$(notdir $@).d
LDFLAGS += $(SANFLAGS)
LDLIBS := -lbpf -lelf -lz -lpcre2-8 -ljansson -lyaml -lmicrohttpd -lnettle -lcurl -lm

# The kernel types the BPF programs compile against: committed per
# architecture (scripts/vmlinux-h makes it from a Debian kernel's BTF), so a
# build does not depend on the build machine's kernel, or on it having BTF.
# An architecture without one falls back to the build machine's BTF.
VMLINUX_DIR := $(if $(wildcard src/vmlinux/$(ARCH)/vmlinux.h),src/vmlinux/$(ARCH),$(OUT))
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(VMLINUX_DIR) -I$(OUT) -Isrc \
	      -Wall -Werror

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRCS := $(wildcard src/*.bpf.c)
BPF_OBJS := $(patsubst src/%.bpf.c,$(OUT)/%.bpf.o,$(BPF_SRCS))
SKELS := $(patsubst src/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
LIB_SRCS := $(filter-out src/main.c %.bpf.c,$(wildcard src/*.c))
LIB_OBJS := $(patsubst src/%.c,$(OUT)/%.o,$(LIB_SRCS)) $(OUT)/default_config.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(OUT)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst fuzz/%.c,$(OUT)/fuzz/%,$(FUZZ_SRCS))
BENCH_SRCS := $(filter-out bench/tiny.c,$(wildcard bench/*.c))
BENCH_BINS := $(patsubst bench/%.c,$(OUT)/bench/%,$(BENCH_SRCS))

.DELETE_ON_ERROR:
.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all clean check-unit fuzz bench tests e2e-helpers

all: $(OUT)/nomine

$(OUT) $(OUT)/tests $(OUT)/fuzz $(OUT)/bench $(OUT)/.deps:
	$(Q)mkdir -p $@

# Only for an architecture without a committed vmlinux.h. CO-RE relocates the
# programs at load time on whatever kernel runs them.
$(OUT)/vmlinux.h: | $(OUT)
	$(call msg,GEN,$@ (from this machine's kernel: no src/vmlinux/$(ARCH)/vmlinux.h))
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@

# An object without its dependency file (built before they existed, or the
# file lost) is rebuilt: the empty rule makes the missing file count as new.
# The compiler may write the dependency file after the object, so each
# recipe ends by touching its target (else every build would redo it). The
# files are named here, not only through a pattern, so make does not treat a
# missing one as an intermediate it may skip.
DEPFILES := $(patsubst $(OUT)/%,$(DEPDIR)/%.d,$(BPF_OBJS) $(filter-out %/default_config.o,$(LIB_OBJS)) \
	    $(OUT)/main.o) \
	    $(patsubst %.c,$(DEPDIR)/%.d,$(notdir $(UNIT_SRCS) $(FUZZ_SRCS) $(BENCH_SRCS)))
$(DEPFILES):

$(OUT)/%.bpf.o: src/%.bpf.c $(VMLINUX_DIR)/vmlinux.h $(OUT)/.deps/%.bpf.o.d | $(OUT) $(OUT)/.deps
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) $(DEPFLAGS) -c $< -o $@ && touch $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# The skeletons exist before any C file is compiled; which file includes
# which one is then in the dependency files.
$(OUT)/%.o: src/%.c $(OUT)/.deps/%.o.d | $(SKELS) $(OUT) $(OUT)/.deps
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@ && touch $@

# The built-in default config is the YAML file itself, embedded verbatim.
$(OUT)/default_config.o: src/default_config.S config/default.yaml | $(OUT)
	$(call msg,AS,$@)
	$(Q)$(CC) $(SANFLAGS) -c $< -o $@

$(OUT)/libnomine.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUT)/nomine: $(OUT)/main.o $(OUT)/libnomine.a
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/tests/%: tests/unit/%.c $(OUT)/libnomine.a $(OUT)/.deps/%.d | $(OUT)/tests $(OUT)/.deps
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) -Itests/unit $< $(OUT)/libnomine.a $(LDFLAGS) $(LDLIBS) \
		-lcmocka -o $@ && touch $@

# End-to-end helpers (the programs the tests run inside their cgroups), one
# place for all of them: tests/e2e/conftest.py finds them in $(OUT)/e2e.
E2E_OUT := $(OUT)/e2e
E2E_CFLAGS := -O2 -Wall -Wextra -Werror
E2E_PLAIN := $(patsubst tests/e2e/helpers/%.c,$(E2E_OUT)/%,\
		$(filter-out %/rxhash.c %/dialer.c %/notify_send.c %/hub_call.c,\
		$(wildcard tests/e2e/helpers/*.c)))
E2E_HELPERS := $(E2E_PLAIN) $(E2E_OUT)/trials $(E2E_OUT)/marker_dynamic \
	       $(E2E_OUT)/marker_static $(E2E_OUT)/kworker-sync $(E2E_OUT)/fploop \
	       $(E2E_OUT)/dialer $(E2E_OUT)/notify_send $(E2E_OUT)/hub_call

$(E2E_OUT):
	$(Q)mkdir -p $@

$(E2E_OUT)/%: tests/e2e/helpers/%.c | $(E2E_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(E2E_CFLAGS) $< -o $@

$(E2E_OUT)/trials: tests/e2e/kernel_helpers/trials.c | $(E2E_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(E2E_CFLAGS) $< -o $@

# The program whose first action is the marker, linked both ways (a static
# binary has no dynamic loader that could run first).
$(E2E_OUT)/marker_dynamic: tests/e2e/kernel_helpers/marker.c | $(E2E_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(E2E_CFLAGS) $< -o $@

$(E2E_OUT)/marker_static: tests/e2e/kernel_helpers/marker.c | $(E2E_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(E2E_CFLAGS) -static $< -o $@

# Static: it runs inside test containers that hold only busybox.
$(E2E_OUT)/dialer: tests/e2e/helpers/dialer.c | $(E2E_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(E2E_CFLAGS) -static $< -o $@

# Drivers of nomine's own code against the tests' real servers: hub_call
# (src/hub_api.c against JupyterHub), notify_send (the notification bodies
# and HTTP client, posting a canned incident to the receivers).
$(E2E_OUT)/hub_call $(E2E_OUT)/notify_send: $(E2E_OUT)/%: tests/e2e/helpers/%.c \
		$(OUT)/libnomine.a | $(E2E_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $< $(OUT)/libnomine.a $(LDFLAGS) $(LDLIBS) -o $@

# A RandomX hasher named like a kernel thread (librandomx-dev).
$(E2E_OUT)/kworker-sync: tests/e2e/helpers/rxhash.c | $(E2E_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(E2E_CFLAGS) $< -lrandomx -lstdc++ -lpthread -o $@


$(E2E_OUT)/fploop: tests/e2e/randomx_helpers/fploop.c | $(E2E_OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(E2E_CFLAGS) $< -lm -lpthread -o $@

e2e-helpers: $(E2E_HELPERS)

tests: $(OUT)/nomine $(UNIT_BINS) $(E2E_HELPERS)

check-unit: $(UNIT_BINS)
	$(Q)rc=0; for t in $(UNIT_BINS); do $$t || rc=1; done; exit $$rc

# The OCI image, built from this tree's binary with no registry and no base
# image (deploy/image/build: the binary, the libraries it loads, nothing else).
IMAGE_NAME ?= nomine
.PHONY: image
image: $(OUT)/nomine
	$(Q)command -v umoci >/dev/null || { echo "make image needs umoci (Debian package umoci;" \
		"scripts/deps.sh test installs it)" >&2; exit 1; }
	$(Q)deploy/image/build $(OUT)/nomine $(OUT)/nomine-image.tar $(IMAGE_NAME)

# Fuzzers always build with clang's libFuzzer plus ASan/UBSan, in their own tree.
FUZZ_OUT := build-fuzz
fuzz:
	$(Q)$(MAKE) --no-print-directory OUT=$(FUZZ_OUT) CC=$(CLANG) \
		SANFLAGS='-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer' \
		$(patsubst fuzz/%.c,$(FUZZ_OUT)/fuzz/%,$(FUZZ_SRCS))

$(OUT)/fuzz/%: fuzz/%.c $(OUT)/libnomine.a $(OUT)/.deps/%.d | $(OUT)/fuzz $(OUT)/.deps
	$(call msg,FUZZ,$@)
	$(Q)$(CLANG) $(CFLAGS) $(DEPFLAGS) -fsanitize=fuzzer $< $(OUT)/libnomine.a $(LDLIBS) -o $@ && touch $@

$(OUT)/bench/%: bench/%.c $(OUT)/libnomine.a $(OUT)/.deps/%.d | $(OUT)/bench $(OUT)/.deps
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $< $(OUT)/libnomine.a $(LDFLAGS) $(LDLIBS) -o $@ && touch $@

# Matcher against cryptnono's Python path; then exec overhead of the
# in-kernel verdict (root: loads BPF, scoped to a cgroup it makes).
bench: $(OUT)/nomine $(BENCH_BINS) $(E2E_HELPERS)
	$(Q)bench/run $(OUT)
	$(Q)bench/exec_overhead $(OUT)
	$(Q)bench/startup_memory $(OUT)
	$(Q)bench/kernel_matrix $(OUT)
	$(Q)bench/randomx_kill_time $(OUT)
	$(Q)$(OUT)/bench/meta_resolve
	$(Q)bench/container_kill_latency $(OUT)
	$(Q)bench/exe_scan $(OUT)
	$(Q)bench/net_cost $(OUT)
	$(Q)bench/respond_latency $(OUT)

-include $(wildcard $(OUT)/.deps/*.d)

clean:
	$(Q)rm -rf build build-san build-fuzz
