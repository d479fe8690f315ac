; exits.asm - the exit-cost guest: EXITS single-byte `out`s to the console
; port 0xE9 (each one a VM exit), then an exit with code 0 through port
; 0xF4. Real mode, linked at 0x7c00. The `out`s are unrolled in blocks of
; OUTS_PER_LINE so that the loop around them adds little: on hosts that
; emulate ring-0 code every guest instruction counts. Each block prints
; a line of dots ending in a newline.
;
; Build: nasm -DEXITS=N (a multiple of OUTS_PER_LINE; default 100000).
%include "abi.inc"

%ifndef EXITS
  %define EXITS 100000
%endif
%define OUTS_PER_LINE 100
%if EXITS % OUTS_PER_LINE
  %error "EXITS must be a multiple of OUTS_PER_LINE"
%endif

bits 16
section .text
global _start
_start:
        mov ecx, EXITS / OUTS_PER_LINE
        mov al, '.'
line:
%rep OUTS_PER_LINE - 1
        out PORT_DEBUGCON, al
%endrep
        mov al, 10                      ; the last byte of a line: newline
        out PORT_DEBUGCON, al
        mov al, '.'
        dec ecx
        jnz line
        EXIT 0
