; gdb_long.asm - the gdb test guest in 64-bit long mode (gdb_body.inc).
bits 64
%include "gdb_body.inc"
