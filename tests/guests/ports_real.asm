; ports_real.asm - the ports test guest in 16-bit code (see ports_body.inc).
bits 16
%include "ports_body.inc"
