# Lab 04, a plausible mistake: no tick pending, an interrupt at every entry
# into the guest while the timer is on: the period means nothing.
s/if (timer.pending && run->ready_for_interrupt_injection/if (timer.on \&\& run->ready_for_interrupt_injection/
