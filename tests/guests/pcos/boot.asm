; boot.asm - the boot sector of a tutorial-style OS image (tests/guests/pcos):
; it prints with int 10h, loads the kernel from the sectors after it to
; 0x1000 with int 13h (more sectors than the image holds: the rest read as
; zeros), switches to 32-bit protected mode and calls the kernel.
; pc.mk builds os-image.img = this sector + kernel.bin.
bits 16
org 0x7c00

KERNEL_ADDR    equ 0x1000
KERNEL_SECTORS equ 16
STACK_TOP      equ 0x90000
CODE_SEG       equ gdt_code - gdt
DATA_SEG       equ gdt_data - gdt

boot:
	mov [boot_drive], dl
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7c00
	mov si, msg_boot
	call print
	mov ah, 0x02                  ; read the kernel: CHS 0/0/2 onwards
	mov al, KERNEL_SECTORS
	mov cx, 0x0002
	xor dh, dh
	mov dl, [boot_drive]
	mov bx, KERNEL_ADDR
	int 0x13
	jc disk_error
	cli
	lgdt [gdt_descriptor]
	mov eax, cr0
	or eax, 1                     ; CR0.PE
	mov cr0, eax
	jmp CODE_SEG:protected

disk_error:
	mov si, msg_disk
	call print
	hlt

; print: the NUL-terminated string at SI with int 10h teletype
print:
	mov ah, 0x0e
.next:
	lodsb
	test al, al
	jz .done
	int 0x10
	jmp .next
.done:
	ret

bits 32
protected:
	mov ax, DATA_SEG
	mov ds, ax
	mov es, ax
	mov fs, ax
	mov gs, ax
	mov ss, ax
	mov esp, STACK_TOP
	call KERNEL_ADDR
	mov al, 0                     ; the kernel returned: exit with 0
	out 0xf4, al

gdt:
	dq 0
gdt_code:                             ; base 0, limit 4 GiB, 32-bit code
	dw 0xffff, 0
	db 0, 10011010b, 11001111b, 0
gdt_data:                             ; base 0, limit 4 GiB, 32-bit data
	dw 0xffff, 0
	db 0, 10010010b, 11001111b, 0
gdt_end:
gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt

boot_drive: db 0
msg_boot: db "Booting from the disk", 13, 10, 0
msg_disk: db "Disk read error", 0

	times 510 - ($ - $$) db 0
	dw 0xaa55
