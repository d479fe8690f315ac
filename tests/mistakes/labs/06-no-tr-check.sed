# Lab 06, a plausible mistake: TR decoded before any ltr, when its selector
# is 0 and its base and limit are leftovers from the reset.
s/if (tr->selector == 0) {/if (false) {/
