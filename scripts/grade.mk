# grade.mk - grading targets, included by the Makefile (scripts/grade.py does
# the work; docs/teaching.md explains it):
#   make check LESSON=NN [FILE=path.asm]   grade one exercise, check by check
#                                          (FILE in lessons/NN-topic/: that lesson)
#   make check LESSON=NN SOLUTIONS=1       the same for its reference solution
#   make grade                             every lesson's exercise, as a table
#   make grade SOLUTIONS=1                 the reference solutions (CI, instructors)
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

## check: grade your exercise for lesson LESSON (FILE=path grades another .asm)
check: $(VMM)
	$(Q)KVM_VMM=./$(VMM) $(GRADE) $(if $(FILE),--file '$(FILE)') $(GRADE_OPTS) $(LESSON_GIVEN); \
	    $(grade-status)

## grade: grade every lesson's exercise (SOLUTIONS=1: the reference solutions)
grade: $(VMM)
	$(Q)KVM_VMM=./$(VMM) $(GRADE) --all $(GRADE_OPTS); \
	    $(grade-status)
