# Lab 01, a plausible mistake: control characters passed to the terminal.
s/text\[i\] = LOG_UNPRINTABLE;/continue;/
