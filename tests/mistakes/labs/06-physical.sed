# Lab 06, a plausible mistake: TR's base taken as a guest-physical address
# (vm->mem + base), where it is linear: wrong as soon as paging maps the
# TSS elsewhere.
s/x86_read_linear(vm, s, tr->base, &tss, size) < 0/!vm_range_ok(vm, tr->base, size) || !memcpy(\&tss, vm->mem + tr->base, size)/
