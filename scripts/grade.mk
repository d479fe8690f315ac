# grade.mk - grading targets, included by the Makefile (scripts/grade.py does
# the work; docs/teaching.md explains it):
#   make check LESSON=NN [FILE=path.asm]   grade one exercise, check by check
#   make check LESSON=NN SOLUTIONS=1       the same for its reference solution
#   make grade                             every lesson's exercise, as a table
#   make grade SOLUTIONS=1                 the reference solutions (CI, instructors)
# They need only ./kvm-vmm, not every guest: a student's half-written
# exercise.asm must not stop the build before the grader can say what is wrong.

.PHONY: check grade

GRADE := scripts/grade.py

## check: grade your exercise for lesson LESSON (FILE=path grades another .asm)
check: $(VMM)
	$(Q)KVM_VMM=./$(VMM) $(GRADE) $(if $(FILE),--file '$(FILE)') $(if $(filter 1,$(SOLUTIONS)),--solutions) $(LESSON)

## grade: grade every lesson's exercise (SOLUTIONS=1: the reference solutions)
grade: $(VMM)
	$(Q)KVM_VMM=./$(VMM) $(GRADE) --all $(if $(filter 1,$(SOLUTIONS)),--solutions)
