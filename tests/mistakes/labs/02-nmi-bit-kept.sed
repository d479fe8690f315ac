# Lab 02, a plausible mistake: bit 7 of the index (NMI mask) taken as part
# of the register number.
s/cmos_index = data\[0\] & CMOS_INDEX_MASK;/cmos_index = data[0];/
