; ports_pm.asm - the ports test guest in 32-bit code (see ports_body.inc).
bits 32
%include "ports_body.inc"
