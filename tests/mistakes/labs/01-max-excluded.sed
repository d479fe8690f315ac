# Lab 01, a plausible mistake: a string of exactly LOG_MAX bytes refused.
s/r->ecx > LOG_MAX/r->ecx >= LOG_MAX/
