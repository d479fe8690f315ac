; boot.asm - lesson 15: the boot sector of a small PC operating system.
; The BIOS reads it from sector 0 of the disk to 0x7C00 and jumps to it in
; 16-bit real mode, with DL = the drive it booted from. It prints with the
; BIOS's int 10h, loads the kernel from the sectors after it to 0x1000 with
; int 13h, switches to 32-bit protected mode and calls the kernel.
; make links it at 0x7C00 (boot.elf: gdb reads its symbols) and puts its
; 512 bytes first in the disk image kernel.img, the kernel's bytes after.
bits 16

BOOT_ADDR        equ 0x7c00   ; where the BIOS loaded us; our stack grows down from here
KERNEL_ADDR      equ 0x1000   ; where the kernel is linked (lesson.conf: load_addr)
KERNEL_SECTOR    equ 2        ; the kernel starts in sector 2 (CHS sectors count from 1)
KERNEL_SECTORS   equ 16       ; sectors to read: 8 KiB, more than the kernel needs
KERNEL_STACK     equ 0x90000  ; the kernel's stack, below the EBDA at 0x9FC00
BIOS_VIDEO       equ 0x10     ; int 10h: video services
VIDEO_TELETYPE   equ 0x0e     ; AH: write AL, move the cursor, scroll at the bottom
BIOS_DISK        equ 0x13     ; int 13h: disk services
DISK_READ        equ 0x02     ; AH: read AL sectors from CHS CH/DH/CL to ES:BX
CR0_PE           equ 1        ; CR0 bit 0: protection enable
EXIT_PORT        equ 0xf4     ; kvm-vmm's exit port: the byte written is the status
EXIT_DISK_ERROR  equ 3        ; the status after a failed read
CODE_SEG         equ gdt_code - gdt   ; selectors: offsets into the GDT
DATA_SEG         equ gdt_data - gdt

section .text
global _start
_start:
	xor ax, ax                    ; DS = ES = SS = 0: offsets are linear addresses
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, BOOT_ADDR
	mov [boot_drive], dl          ; the BIOS says which drive we came from
	mov si, msg_booting
	call print

load_kernel:
	mov ah, DISK_READ
	mov al, KERNEL_SECTORS
	mov ch, 0                     ; cylinder 0
	mov dh, 0                     ; head 0
	mov cl, KERNEL_SECTOR         ; sector 2: the one after this boot sector
	mov dl, [boot_drive]
	mov bx, KERNEL_ADDR           ; ES:BX = 0000:1000
	int BIOS_DISK
read_done:
	jc disk_error                 ; CF set: failed, AH = the status
	mov si, msg_loaded
	call print

	cli                           ; no interrupts: there is no protected-mode IDT
	lgdt [gdt_descriptor]
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp CODE_SEG:protected        ; a far jump loads CS from the GDT: 32-bit code

disk_error:
	push ax                       ; AH = the status (print changes AH)
	mov si, msg_disk_error
	call print
	pop ax
	mov al, ah
	call print_hex
	mov al, EXIT_DISK_ERROR       ; kvm-vmm (and QEMU's isa-debug-exit) end here
	out EXIT_PORT, al
	cli                           ; a real PC: halt for good
	hlt

; print: the NUL-terminated string at DS:SI, with int 10h teletype
print:
	mov ah, VIDEO_TELETYPE
.next:
	lodsb
	test al, al
	jz .done
	int BIOS_VIDEO
	jmp .next
.done:
	ret

; print_hex: AL as two hexadecimal digits, with int 10h teletype
print_hex:
	push ax
	shr al, 4                     ; the high digit first
	call print_digit
	pop ax
	and al, 0x0f
print_digit:
	add al, '0'
	cmp al, '9'
	jbe .show
	add al, 'a' - '9' - 1
.show:
	mov ah, VIDEO_TELETYPE
	int BIOS_VIDEO
	ret

bits 32
protected:
	mov ax, DATA_SEG              ; every data segment register: flat 4 GiB
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, KERNEL_STACK
	call KERNEL_ADDR              ; kernel_entry.asm's _start
	mov al, 0                     ; the kernel returned: end with status 0
	out EXIT_PORT, al
	cli                           ; a real PC (no exit port): halt for good
	hlt

; The GDT: the null descriptor, then flat code and data segments.
gdt:
	dq 0
gdt_code:                             ; base 0, limit 4 GiB, present, ring 0, 32-bit code
	dw 0xffff, 0
	db 0, 10011010b, 11001111b, 0
gdt_data:                             ; the same, read/write data
	dw 0xffff, 0
	db 0, 10010010b, 11001111b, 0
gdt_end:
gdt_descriptor:                       ; what lgdt reads: limit, then base
	dw gdt_end - gdt - 1
	dd gdt

boot_drive:     db 0
msg_booting:    db "Booting from the disk", 13, 10, 0
msg_loaded:     db "Loaded the kernel: to protected mode", 13, 10, 0
msg_disk_error: db "Disk error: AH = ", 0

	times 510 - ($ - $$) db 0     ; pad to the end of the sector...
	dw 0xaa55                     ; ...and sign it: bytes 55 AA, or the BIOS will not boot it
