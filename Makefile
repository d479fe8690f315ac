# Makefile - the one entry point of mini-kvm: build, run, debug, test, grade, bench.
# `make help` lists the targets. Builds are quiet; `make V=1` shows full commands.

LESSON ?= 01
CC ?= cc

WARNINGS := -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes -Wshadow \
            -Wformat=2 -Wundef -Wno-unused-parameter -Werror
# `make test SANITIZE=1`: the whole build with AddressSanitizer and UBSan,
# kept apart from the normal build in build/asan/; `SANITIZE=thread`: with
# ThreadSanitizer, in build/tsan/.
ifeq ($(SANITIZE),1)
BUILD := build/asan
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else ifeq ($(SANITIZE),thread)
BUILD := build/tsan
SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
else
BUILD := build
endif
VMM := $(if $(SAN_FLAGS),$(BUILD)/kvm-vmm,kvm-vmm)
LDFLAGS += $(SAN_FLAGS)

BASE_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -D_GNU_SOURCE $(SAN_FLAGS)
# gdbstub/ is compiled with its own include path only: it cannot see vmm/.
GDBSTUB_CFLAGS := $(BASE_CFLAGS) -Igdbstub
CFLAGS := $(BASE_CFLAGS) -Ivmm -Igdbstub -Itests
LDLIBS := -lpthread


ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

# --- the runner --------------------------------------------------------------
# vmm/ (the core) and its areas vmm/x86/, vmm/dev/, vmm/gdb/; the GDB
# remote protocol is a library of its own.
VMM_SRCS := $(wildcard vmm/*.c vmm/*/*.c)
GDB_SRCS := $(wildcard gdbstub/*.c)
GDBSTUB_LIB := $(BUILD)/gdbstub/libgdbstub.a
# The BIOS of --disk (bios/bios.asm), a 64 KiB ROM linked into kvm-vmm.
BIOS_BIN := $(BUILD)/bios/bios.bin
BIOS_OBJ := $(BUILD)/bios/rom.o
# Everything but main(): linked into kvm-vmm and into the test suite.
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out vmm/main.c,$(VMM_SRCS))) $(BIOS_OBJ) \
            $(GDBSTUB_LIB)
MAIN_OBJ := $(BUILD)/vmm/main.o

# --- guests: every .asm under lessons/ and tests/guests/ becomes an ELF ------
# Defaults: 32-bit ELF linked at 0x7c00 (real mode, like a boot sector).
# A lesson says otherwise in its lesson.conf (format, load_addr), for every
# guest in its folder: scripts/lessonconf.py writes them into
# build/lessons.mk, included below, e.g.
#   lessons/09-paging/%: NASM_FORMAT := elf64
#   lessons/09-paging/%: LOAD_ADDR := 0x100000
# A lesson.mk beside the sources adds build rules of its own (lesson 14's C).
NASM_FORMAT := elf32
LOAD_ADDR := 0x7c00
# A lesson's exercise.asm is the student's: `make check` builds it, so that a
# half-written exercise never breaks `make`.
GUEST_ASM := $(filter-out %.inc $(wildcard lessons/*/exercise.asm),\
               $(wildcard lessons/*/*.asm lessons/*/solution/*.asm tests/guests/*.asm))
GUEST_ELFS := $(GUEST_ASM:.asm=.elf)
# Flat binaries (nasm -f bin), as the seed's runner took them.
FLAT_ASM := $(wildcard tests/guests/flat/*.asm)
FLAT_BINS := $(FLAT_ASM:.asm=.bin)
LESSONS_MK := build/lessons.mk
# `make clean` and `make help` need no lesson settings: no need to write them.
ifneq ($(filter-out clean help,$(or $(MAKECMDGOALS),all)),)
include $(LESSONS_MK)
endif
-include $(wildcard lessons/*/lesson.mk tests/guests/*.mk) labs/labs.mk

# make rewrites the fragment when a lesson.conf changes (deps.sh first: it
# installs python3 on a fresh machine).
$(LESSONS_MK): scripts/lessonconf.py $(wildcard lessons/*/lesson.conf)
	$(call say,GEN,$@)
	$(Q)scripts/deps.sh
	$(Q)python3 scripts/lessonconf.py --make $@

# --- tests -------------------------------------------------------------------
TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(TEST_SRCS))
SUITE := $(BUILD)/tests/suite

.PHONY: all deps run debug test lessons clean help guests figures
.DEFAULT_GOAL := all
# Keep the .o files between the .asm and the .elf.
.SECONDARY:

all: deps $(VMM) guests
guests: $(GUEST_ELFS) $(FLAT_BINS) $(EXTRA_GUESTS)
lessons: deps $(filter lessons/%,$(GUEST_ELFS))

## deps: install the Debian packages the project needs (quick when present)
deps:
	$(Q)scripts/deps.sh

$(VMM): $(MAIN_OBJ) $(LIB_OBJS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gdbstub/%.o: gdbstub/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(GDBSTUB_CFLAGS) -MMD -MP -c -o $@ $<

$(BIOS_BIN): bios/bios.asm
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)nasm -f bin -o $@ $<

$(BIOS_OBJ): bios/rom.S $(BIOS_BIN)
	$(call say,AS,$<)
	$(Q)$(CC) -c -DBIOS_BIN='"$(BIOS_BIN)"' -o $@ $<

$(GDBSTUB_LIB): $(patsubst %.c,$(BUILD)/%.o,$(GDB_SRCS))
	$(call say,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# nasm 2.16's -MD leaves out files found through -I; a separate -M pass
# lists every %include and incbin.
NASM_INCLUDES = -Iguest/ -I$(dir $<)
%.o: %.asm
	$(call say,NASM,$<)
	$(Q)nasm $(NASM_INCLUDES) -M -MT $@ -MF $@.d $<
	$(Q)nasm -f $(NASM_FORMAT) -g -F dwarf $(NASM_INCLUDES) -o $@ $<

%.elf: %.o guest/guest.ld
	$(call say,LD,$@)
	$(Q)ld -m $(if $(filter elf64,$(NASM_FORMAT)),elf_x86_64,elf_i386) -n --build-id=none --no-warn-rwx-segments \
	    --defsym=LOAD_ADDR=$(LOAD_ADDR) -T guest/guest.ld -o $@ $<

%.bin: %.asm
	$(call say,NASM,$<)
	$(Q)nasm -f bin -Iguest/ -o $@ $<

$(SUITE): $(TEST_OBJS) $(LIB_OBJS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ -lcriterion $(LDLIBS)

# `make run` and `make debug` (scripts/guest.py does the work): the guest is
# the lesson's own (lesson.conf's guest, LESSON=NN), the student's exercise
# (EXERCISE=1) or any .asm/.c/.elf (FILE=path; its lesson is the folder it is
# in unless LESSON= is given), run with the lesson's kvm-vmm options
# (lesson.conf's args). INPUT=file is the guest's stdin; PORT=N fixes the
# GDB stub's port (default: a free one).
GUEST_RUN = scripts/guest.py
LESSON_GIVEN = $(if $(filter file,$(origin LESSON)),$(if $(FILE),,$(LESSON)),$(LESSON))
GUEST_OPTS = $(if $(filter 1 yes,$(EXERCISE)),--exercise) $(if $(FILE),--file '$(FILE)') \
             $(if $(INPUT),--input '$(INPUT)') $(LESSON_GIVEN)

## run: build and run one lesson (LESSON=NN, default 01; EXERCISE=1, FILE=path)
run: all
	$(Q)KVM_VMM=./$(VMM) $(GUEST_RUN) run $(GUEST_OPTS)

## debug: run it under the GDB stub with gdb attached (a free port; PORT=N)
debug: all
	$(Q)KVM_VMM=./$(VMM) $(GUEST_RUN) debug $(if $(PORT),--port '$(PORT)') $(GUEST_OPTS)

## figures: redraw docs/figures/*.svg from their sources (Graphviz; the
## memory map from vmm/layout.h); tests/test_figures.c checks they are current
figures: deps
	$(Q)python3 scripts/figures.py

# With the sanitizers, a report must not look like a guest's exit status 1,
# and LeakSanitizer ignores one known leak inside libcriterion itself.
# ThreadSanitizer: every report also goes to a file in TSAN_REPORTS, and
# the run fails if any was written, whatever the tests saw.
TSAN_REPORTS := build/tsan/reports
ifeq ($(SANITIZE),thread)
SANITIZER_ENV := TSAN_OPTIONS=exitcode=86:second_deadlock_stack=1:log_path=$(CURDIR)/$(TSAN_REPORTS)/report
endif
ifeq ($(SANITIZE),1)
SANITIZER_ENV := ASAN_OPTIONS=exitcode=86 UBSAN_OPTIONS=exitcode=86:print_stacktrace=1 \
                 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp
endif

## test: build everything and run the Criterion suite
ifeq ($(SANITIZE),thread)
# Criterion cannot run under ThreadSanitizer (its shared arena needs address
# space that TSan reserves), so the plain suite drives the instrumented
# runner: the threads under test are kvm-vmm's. The make commands the tests
# run themselves (documented commands, graders) build plainly: SANITIZE is
# not passed down to them.
test: all
	$(Q)$(MAKE) --no-print-directory SANITIZE= build/tests/suite
	$(Q)rm -rf $(TSAN_REPORTS) && mkdir -p $(TSAN_REPORTS)
	$(Q)env -u MAKEFLAGS -u MFLAGS -u SANITIZE $(SANITIZER_ENV) KVM_VMM=./$(VMM) build/tests/suite --jobs=2 $(TEST_ARGS); \
	    status=$$?; if ls $(TSAN_REPORTS)/report* >/dev/null 2>&1; then \
	    cat $(TSAN_REPORTS)/report*; echo "ThreadSanitizer: reports above"; exit 1; fi; \
	    exit $$status
else
test: all $(SUITE)
	$(Q)$(SANITIZER_ENV) KVM_VMM=./$(VMM) $(SUITE) --jobs=2 $(TEST_ARGS)
endif

clean:
	rm -rf build kvm-vmm $(GUEST_ELFS) $(GUEST_ELFS:.elf=.o) $(FLAT_BINS) $(EXTRA_GUESTS) \
	       $(wildcard lessons/*/*.img lessons/*/solution/*.img) \
	       $(shell find lessons labs tests -name '*.o.d' -o -name '*.o')

# Each area keeps its own targets in its own fragment:
#   scripts/grade.mk  make check LESSON=NN, make grade
#   bench/bench.mk    make bench
#   fuzz/fuzz.mk      make fuzz
-include scripts/grade.mk bench/bench.mk fuzz/fuzz.mk

## help: list the targets and the variables they take
help:
	@echo "mini-kvm: a small x86 VMM on the Linux KVM API, with a GDB stub and lessons."
	@echo
	@echo "  make                 install missing packages, build ./kvm-vmm and every guest"
	@echo "  make run LESSON=NN   build and run lesson NN's guest (LESSON=1 is 01; default 01)"
	@echo "  make debug LESSON=NN run it under the GDB stub, with gdb attached in this terminal"
	@echo "  make check LESSON=NN grade your exercise for lesson NN"
	@echo "  make check LAB=NN    grade your lab.c for lab NN of Part II (docs/labs.md)"
	@echo "  make grade           grade every lesson and every lab and print the tables"
	@echo "  make test            run the test suite"
	@echo "  make bench           measure kvm-vmm against QEMU and bare KVM"
	@echo "  make fuzz SECONDS=N  run each fuzz target for N seconds"
	@echo "  make figures         redraw the figures of docs/figures/ from their sources"
	@echo "  make deps            install missing Debian packages (nasm, criterion, gdb, qemu, python3, graphviz)"
	@echo "  make clean           remove build products"
	@echo
	@echo "Variables (NAME=value after the target):"
	@echo "  LESSON=NN     run, debug, check: the lesson (1, 01 or 01-hello)"
	@echo "  EXERCISE=1    run, debug: your exercise instead of the lesson's guest (built"
	@echo "                like make check builds it, with the lesson's kvm-vmm options)"
	@echo "  FILE=path     run, debug, check: this .asm, .c (built with the lesson's"
	@echo "                settings) or .elf; its lesson is the folder it is in"
	@echo "  INPUT=file    run, debug: the guest's stdin (run: else the terminal;"
	@echo "                debug: else the lesson's sample input)"
	@echo "  PORT=N        debug: the GDB stub's port (default: a free one, printed)"
	@echo "  TIMEOUT=S     check, grade: seconds before a run counts as an endless loop"
	@echo "  STRICT=1      check, grade: exit with status 1 below full marks (for CI)"
	@echo "  SOLUTIONS=1   check, grade: the reference solutions (SOLUTION=1 too)"
	@echo "  LAB=NN        check: a lab of Part II instead of a lesson"
	@echo "  QUICK=1       bench: a fast, rough measurement"
	@echo "  BENCH_ROWS=\"1 7\"  bench: only these rows (8: the debugger against QEMU, 9: reverse debugging)"
	@echo "  SANITIZE=1    test: with ASan/UBSan (SANITIZE=thread: ThreadSanitizer)"
	@echo "  TEST_ARGS=... test: Criterion options, e.g. --filter 'docs/*'"
	@echo "  V=1           show full commands"

-include $(TEST_OBJS:.o=.d) $(patsubst %.c,$(BUILD)/%.d,$(VMM_SRCS) $(GDB_SRCS)) $(wildcard lessons/*/*.o.d lessons/*/solution/*.o.d tests/guests/*.o.d)
