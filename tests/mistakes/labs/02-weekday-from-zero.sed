# Lab 02, a plausible mistake: struct tm's Sunday (0) as the clock's (1).
s/tm.tm_wday + TM_FIRST_WEEKDAY/tm.tm_wday/
