# Lab 04, a plausible mistake: TIMER_OFF written, the timer keeps ticking.
s/timer.on = data\[0\] == TIMER_ON;/timer.on |= data[0] == TIMER_ON;/
