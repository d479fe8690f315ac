# Lab 02, a plausible mistake: struct tm's month (0..11) as the clock's (1..12).
s/tm.tm_mon + TM_FIRST_MONTH/tm.tm_mon/
