; gdb_real.asm - the gdb test guest in 16-bit real mode (gdb_body.inc).
bits 16
%include "gdb_body.inc"
