# Lab 01, a plausible mistake: EBX + ECX checked in 32 bits, where it wraps
# (0xFFFFFFF0 + 0x20 = 0x10): the grader must see kvm-vmm crash.
s/!vm_range_ok(cpu->vm, r->ebx, r->ecx)/r->ebx + r->ecx > cpu->vm->mem_size/
