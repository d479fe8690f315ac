# Lab 05, a plausible mistake: one entry too many written into the guest's
# buffer (<= for <): the dword after its ECX entries is overwritten.
s/if (count < capacity)/if (count <= capacity)/
