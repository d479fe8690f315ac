# Lab 06, a plausible mistake: the TSS structures without `packed`: the
# compiler aligns the 64-bit TSS's RSP0 to offset 8, where the CPU has it at 4.
s/ __attribute__((packed))//
