# Lab 03, a plausible mistake: the register found, but where in it the
# access starts ignored: 2 bytes at ID + 2 read as ID's low half.
s/shift = (unsigned int)(offset - box_registers\[reg\].offset) \* BITS_PER_BYTE;/shift = 0;/
