# Lab 04, a plausible mistake: a tick the guest cannot take yet is left
# for the next exit, without asking KVM for one when IF becomes 1.
s/run->request_interrupt_window = timer.pending;/run->request_interrupt_window = 0;/
