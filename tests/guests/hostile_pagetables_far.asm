; hostile_pagetables_far.asm - like hostile_pagetables.asm, but every entry
; is present and points at a table far beyond guest RAM (64 TiB), so a
; page walk that trusted the entries would read host memory.
%define ENTRY_PATTERN 0x00003ffffffff003 ; present, writable, address 0x3ffffffff000
%include "hostile_pagetables.asm"
