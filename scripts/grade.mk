# grade.mk - grading targets, included by the Makefile (scripts/grade.py does
# the work; docs/teaching.md explains it):
#   make check LESSON=NN [FILE=path.asm]   grade one exercise, check by check
#                                          (FILE in lessons/NN-topic/: that lesson)
#   make check LESSON=NN SOLUTIONS=1       the same for its reference solution
#   make grade                             every lesson's exercise, as a table
#   make grade SOLUTIONS=1                 the reference solutions (CI, instructors)
#   make check LAB=NN [SOLUTION=1]          a lab of Part II: its tests against the
#                                          kvm-vmm built with labs/NN-*/lab.c (or the
#                                          reference solution), scripts/grade_labs.py
#   TIMEOUT=S                              seconds before a run counts as an endless loop
#   STRICT=1                               exit with status 1 below full marks
# They need only ./kvm-vmm, not every guest: a student's half-written
# exercise.asm must not stop the build before the grader can say what is wrong.
#
# A score below full is a result, not a failure of make: grade.py's status 1
# ("a check failed") ends make with status 0 and the score as its last line,
# unless STRICT=1 (CI: make grade SOLUTIONS=1 STRICT=1). Status 2 (a usage
# error) always fails.

.PHONY: check grade

GRADE := scripts/grade.py
GRADE_OPTS = $(if $(TIMEOUT),--timeout '$(TIMEOUT)') $(if $(filter 1,$(SOLUTIONS)),--solutions)
BELOW_FULL_STATUS := 1
# Run a grade.py command; pass its status on, but for a score below full
# unless STRICT=1.
grade-status = status=$$?; \
	if [ $$status -eq $(BELOW_FULL_STATUS) ] && [ "$(STRICT)" != 1 ]; then exit 0; fi; \
	exit $$status

GRADE_LABS := scripts/grade_labs.py
# SOLUTION=1 or SOLUTIONS=1: the reference solutions.
GRADE_LABS_OPTS = --build $(BUILD)/labs $(if $(filter 1,$(SOLUTIONS) $(SOLUTION)),--solutions)

ifdef LAB
## check: grade your exercise for lesson LESSON (FILE=path grades another .asm),
## or with LAB=NN your lab.c for lab NN (SOLUTION=1: the reference solution;
## FILE=path: another lab.c)
ifdef FILE
check: labs $(LAB_OUT)/kvm-vmm
	$(Q)$(GRADE_LABS) --build $(BUILD)/labs --vmm $(LAB_OUT)/kvm-vmm '$(LAB)'; \
	    $(grade-status)
else
check: labs
	$(Q)$(GRADE_LABS) $(GRADE_LABS_OPTS) '$(LAB)'; \
	    $(grade-status)
endif
else
check: $(VMM)
	$(Q)KVM_VMM=./$(VMM) $(GRADE) $(if $(FILE),--file '$(FILE)') $(GRADE_OPTS) $(LESSON_GIVEN); \
	    $(grade-status)
endif

## grade: grade every lesson's exercise, then every lab (SOLUTIONS=1: the
## reference solutions); the worse of the two statuses counts
grade: $(VMM) labs
	$(Q)KVM_VMM=./$(VMM) $(GRADE) --all $(GRADE_OPTS); lessons=$$?; echo; \
	    $(GRADE_LABS) $(GRADE_LABS_OPTS) --all; status=$$?; \
	    if [ $$lessons -gt $$status ]; then status=$$lessons; fi; \
	    if [ $$status -eq $(BELOW_FULL_STATUS) ] && [ "$(STRICT)" != 1 ]; then exit 0; fi; \
	    exit $$status
