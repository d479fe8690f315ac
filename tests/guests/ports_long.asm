; ports_long.asm - the ports test guest in 64-bit code (see ports_body.inc).
bits 64
%include "ports_body.inc"
