# Lab 03, a plausible mistake: a write of a few bytes replaces the whole
# register instead of only the bytes written.
s/return (old & ~mask) | (value << shift & mask);/return value << shift \& mask;/
