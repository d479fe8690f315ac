# Lab 02, a plausible mistake: the local time instead of UTC.
s/gmtime_r(/localtime_r(/
