# Lab 06, a plausible mistake: lab_monitor() returns 0 for a command that is
# not "tss": gdb no longer hears that the command is unknown.
s/return -1;   \/\* not ours/return 0;   \/* not ours/
