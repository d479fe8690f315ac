# Lab 02, a plausible mistake: binary values where status B promises BCD.
s/return to_bcd(\(.*\));/return (uint8_t)(\1);/
