# Lab 05, a plausible mistake: the bit tested with an int (1 << bit), which
# has 32 bits: pages 32..63 of every 64-bit word of the bitmap come out wrong.
s/1ULL << bit/1 << bit/
