# Lab 05, a plausible mistake: the buffer's size ECX * 4 computed in 32
# bits, where it wraps (0x40000001 * 4 = 4).
s/(uint64_t)capacity \* ENTRY_SIZE/capacity * ENTRY_SIZE/
