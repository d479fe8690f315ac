# labs.mk - building Part II, the labs (labs/NN-topic/; docs/labs.md),
# included by the Makefile. For each lab NN:
#   $(BUILD)/labs/NN/kvm-vmm            the runner with the student's lab.c
#   $(BUILD)/labs/NN/solution/kvm-vmm   the runner with solution/lab.c
#   $(BUILD)/labs/NN/grader             the lab's Criterion tests (test_lab.c)
#   $(BUILD)/labs/mistakes/NN-what/kvm-vmm  one of the tests' plausible mistakes
# A lab's lab.c replaces the weak hooks of vmm/lab.c; ./kvm-vmm keeps those.
# The targets that use them (make check LAB=NN, make grade) are in
# scripts/grade.mk; every lab's guests (labs/*/*.asm) are built with `make`.

LAB_DIRS := $(wildcard labs/[0-9][0-9]-*)
# A lab's guests are 32-bit ELF linked at 0x7c00 (real mode), like the
# lessons'; a lab whose guest is built otherwise says so in its guest.mk,
# e.g. labs/03-mmio/%: NASM_FORMAT := elf64
-include $(wildcard labs/*/guest.mk)
LAB_GUEST_ELFS := $(patsubst %.asm,%.elf,$(wildcard labs/*/*.asm))
EXTRA_GUESTS += $(LAB_GUEST_ELFS)
# The student's file may warn while half-written; it still builds.
LAB_STUDENT_CFLAGS := $(filter-out -Werror,$(CFLAGS))

# lab-rules DIR NN: the three programs of lab DIR (labs/NN-topic).
define lab-rules
$(BUILD)/labs/$(2)/lab.o: $(1)/lab.c
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$$<)
	$$(Q)$$(CC) $$(LAB_STUDENT_CFLAGS) -MMD -MP -c -o $$@ $$<
$(BUILD)/labs/$(2)/solution/lab.o: $(1)/solution/lab.c
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$$<)
	$$(Q)$$(CC) $$(CFLAGS) -MMD -MP -c -o $$@ $$<
$(BUILD)/labs/$(2)/test_lab.o: $(1)/test_lab.c
	@mkdir -p $$(dir $$@)
	$$(call say,CC,$$<)
	$$(Q)$$(CC) $$(CFLAGS) -MMD -MP -c -o $$@ $$<
$(BUILD)/labs/$(2)/kvm-vmm $(BUILD)/labs/$(2)/solution/kvm-vmm: %/kvm-vmm: %/lab.o $$(MAIN_OBJ) $$(LIB_OBJS)
	$$(call say,LINK,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
$(BUILD)/labs/$(2)/grader: $(BUILD)/labs/$(2)/test_lab.o $(BUILD)/tests/harness.o
	$$(call say,LINK,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ -lcriterion $$(LDLIBS)
LAB_PROGRAMS += $(BUILD)/labs/$(2)/kvm-vmm $(BUILD)/labs/$(2)/solution/kvm-vmm $(BUILD)/labs/$(2)/grader
endef
$(foreach d,$(LAB_DIRS),$(eval $(call lab-rules,$(d),$(patsubst labs/%,%,$(firstword $(subst -, ,$(d)))))))

# A lab's plausible mistakes, which its grader must catch (tests/test_labs.c):
# tests/mistakes/labs/NN-what.sed turns lab NN's solution/lab.c into
# $(BUILD)/labs/mistakes/NN-what/lab.c, linked into a kvm-vmm beside it.
LAB_MISTAKES := $(patsubst tests/mistakes/labs/%.sed,%,$(wildcard tests/mistakes/labs/*.sed))

# lab-mistake-rules NAME SOLUTION: the kvm-vmm of mistake NAME.
define lab-mistake-rules
$(BUILD)/labs/mistakes/$(1)/lab.c: tests/mistakes/labs/$(1).sed $(2)
	@mkdir -p $$(dir $$@)
	$$(call say,SED,$$@)
	$$(Q)sed -f $$< $(2) > $$@.tmp
	$$(Q)if cmp -s $$@.tmp $(2); then echo "$$<: changes nothing in $(2)"; exit 1; fi
	$$(Q)mv $$@.tmp $$@
$(BUILD)/labs/mistakes/$(1)/lab.o: $(BUILD)/labs/mistakes/$(1)/lab.c
	$$(call say,CC,$$<)
	$$(Q)$$(CC) $$(LAB_STUDENT_CFLAGS) -Wno-unused-function -c -o $$@ $$<
$(BUILD)/labs/mistakes/$(1)/kvm-vmm: $(BUILD)/labs/mistakes/$(1)/lab.o $$(MAIN_OBJ) $$(LIB_OBJS)
	$$(call say,LINK,$$@)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
LAB_PROGRAMS += $(BUILD)/labs/mistakes/$(1)/kvm-vmm
endef
$(foreach m,$(LAB_MISTAKES),$(eval $(call lab-mistake-rules,$(m),$(wildcard labs/$(firstword $(subst -, ,$(m)))-*/solution/lab.c))))

# Any lab.c into a kvm-vmm: make LAB_SOURCE=path/lab.c LAB_OUT=dir dir/kvm-vmm
# (make check LAB=NN FILE=path, scripts/grade_labs.py --class). Always
# rebuilt: the same LAB_OUT serves one file after another.
ifneq ($(LAB),)
ifneq ($(FILE),)
LAB_SOURCE := $(FILE)
LAB_OUT := $(BUILD)/labs/file
endif
endif
ifdef LAB_OUT
.PHONY: lab-source-changed
$(LAB_OUT)/lab.o: $(LAB_SOURCE) lab-source-changed
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(LAB_STUDENT_CFLAGS) -c -o $@ $<
$(LAB_OUT)/kvm-vmm: $(LAB_OUT)/lab.o $(MAIN_OBJ) $(LIB_OBJS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
endif

.PHONY: labs
## labs: build every lab's VMMs (the student's, the solution, the mistakes
## of tests/mistakes/labs/) and graders
labs: $(LAB_PROGRAMS) $(LAB_GUEST_ELFS)

# tests/test_labs.c runs every lab's grader against both of its VMMs
# ($LAB_BUILD). Criterion cannot run under ThreadSanitizer: with
# SANITIZE=thread the labs are tested in their plain build.
ifeq ($(SANITIZE),thread)
.PHONY: labs-plain
labs-plain:
	$(Q)$(MAKE) --no-print-directory SANITIZE= labs
test: labs-plain
test: export LAB_BUILD := build/labs
else
test: labs
test: export LAB_BUILD := $(BUILD)/labs
endif

-include $(patsubst %.o,%.d,$(filter %.o,$(foreach p,$(LAB_PROGRAMS),$(dir $(p))lab.o $(dir $(p))test_lab.o)))
