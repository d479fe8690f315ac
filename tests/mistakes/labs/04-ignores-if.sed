# Lab 04, a plausible mistake: a pending tick injected whenever there is
# one, whether or not the guest can take it (IF = 0 after cli).
s/if (timer.pending && run->ready_for_interrupt_injection && run->if_flag) {/if (timer.pending) {/
