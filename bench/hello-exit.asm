; hello-exit.asm - lesson 01 (lessons/01-hello/hello.asm, included as it
; is) with one change: its final `hlt` becomes `out 0xF4, al`, an exit
; with code 0 (AL is 0 there). Under kvm-vmm both end the guest with
; status 0; under QEMU only the exit port ends the process (a halted
; QEMU CPU just waits), so the start-up benchmark runs this image on
; both sides: the very same bytes.
%define hlt out PORT_EXIT, al
%include "lessons/01-hello/hello.asm"
