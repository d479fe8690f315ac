# Lab 03, a plausible mistake: the mask of the low len bytes as
# (1 << len * 8) - 1 for every len: for 8 bytes a shift by 64, undefined
# (x86 shifts by 0: the mask is 0, an 8-byte write changes nothing).
s/return len == MAX_ACCESS ? UINT64_MAX : (1ULL << (len \* BITS_PER_BYTE)) - 1;/return (1ULL << (len * BITS_PER_BYTE % 64)) - 1;/
