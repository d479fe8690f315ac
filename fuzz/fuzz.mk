# fuzz/fuzz.mk - libFuzzer targets (included by the Makefile):
#   make fuzz SECONDS=N   build and run each target for N seconds (default 60)
#   make fuzz-build       only build them, into build/fuzz/
# Targets: fuzz_rsp (gdbstub/: framing and dispatch against a fake target)
# and fuzz_loader (vmm/loader.c: ELF32, ELF64, Multiboot, flat). Each runs
# from its seed corpus in fuzz/corpus/<target>/ (committed; regenerate with
# fuzz/make-corpus.sh) and keeps what it finds in build/fuzz/corpus/<target>/;
# a crash is saved as build/fuzz/crashes/<target>-crash-* and fails the run.

FUZZ_CC := clang
FUZZ_DIR := build/fuzz
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARNINGS) -Ivmm -Igdbstub -D_GNU_SOURCE \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
FUZZ_TARGETS := rsp loader
FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
SECONDS ?= 60

# What each target links: the code under test and what it calls.
FUZZ_SRCS.rsp := $(GDB_SRCS)
FUZZ_SRCS.loader := vmm/loader.c vmm/options.c vmm/qemu_options.c vmm/x86/setup.c

.PHONY: fuzz fuzz-build

## fuzz: build the libFuzzer targets and run each for SECONDS (default 60)
fuzz: fuzz-build
	$(Q)fuzz/run.sh $(SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)

define fuzz_target
$(FUZZ_DIR)/fuzz_$(1): fuzz/fuzz_$(1).c $(FUZZ_SRCS.$(1)) $(wildcard vmm/*.h vmm/*/*.h gdbstub/*.h) fuzz/fuzz.mk
	@mkdir -p $(FUZZ_DIR)
	$$(call say,FUZZCC,$$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ $$< $(FUZZ_SRCS.$(1)) $(LDLIBS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))


# `make fuzz-coverage`: line coverage of the code under test by each
# target's corpus (the committed seeds and what earlier runs kept); needs
# llvm-profdata and llvm-cov (Debian package llvm).
FUZZ_COV_DIR := $(FUZZ_DIR)/coverage
FUZZ_COV_FLAGS := -std=gnu11 -O0 -g -Ivmm -Igdbstub -D_GNU_SOURCE -fsanitize=fuzzer \
                  -fprofile-instr-generate -fcoverage-mapping

define fuzz_coverage
.PHONY: fuzz-coverage-$(1)
fuzz-coverage-$(1):
	@mkdir -p $(FUZZ_COV_DIR) $(FUZZ_DIR)/corpus/$(1)
	$(Q)$(FUZZ_CC) $(FUZZ_COV_FLAGS) -o $(FUZZ_COV_DIR)/fuzz_$(1) fuzz/fuzz_$(1).c $(FUZZ_SRCS.$(1)) $(LDLIBS)
	$(Q)LLVM_PROFILE_FILE=$(FUZZ_COV_DIR)/$(1).profraw $(FUZZ_COV_DIR)/fuzz_$(1) -runs=0 \
	    $(FUZZ_DIR)/corpus/$(1) fuzz/corpus/$(1) > $(FUZZ_COV_DIR)/$(1).log 2>&1
	$(Q)llvm-profdata merge -o $(FUZZ_COV_DIR)/$(1).profdata $(FUZZ_COV_DIR)/$(1).profraw
	@echo "fuzz_$(1):"
	$(Q)llvm-cov report $(FUZZ_COV_DIR)/fuzz_$(1) -instr-profile=$(FUZZ_COV_DIR)/$(1).profdata \
	    $(FUZZ_SRCS.$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_coverage,$(t))))

.PHONY: fuzz-coverage
## fuzz-coverage: line coverage of vmm/ and gdbstub/ code by the fuzz corpora
fuzz-coverage: $(addprefix fuzz-coverage-,$(FUZZ_TARGETS))
