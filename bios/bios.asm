; bios.asm - the BIOS of kvm-vmm's PC (--disk and --floppy): a 64 KiB
; real-mode ROM at F000:0000 (physical 0xF0000-0xFFFFF). The CPU starts at
; the reset vector F000:FFF0; POST fills the interrupt vector table and the
; BIOS data area, programs the 8259 PICs, the 8254 PIT and the keyboard
; controller, and int 19h loads sector 0 of the boot disk to 0000:7C00 and
; jumps there with DL = the boot drive.
;
; Services that need the host (video, disk, memory map) are one `out` to a
; port of kvm-vmm each: the VMM reads the caller's registers, does the work
; and writes the results back (CF in the FLAGS the `int` pushed), so the
; handler is just `out; iret` - one VM exit per call. Services the guest can
; do alone (keyboard buffer, timer ticks, equipment and memory words) are
; written here. docs/pc.md describes every service.
;
; The port numbers and function codes below are also in vmm/pc/pc.h.

bits 16
cpu 386
org 0

ROM_SEG             equ 0xF000

; kvm-vmm's BIOS ports (vmm/pc/pc.h)
PORT_BIOS_SYSTEM    equ 0xE0     ; AL = SYS_* function
PORT_BIOS_VIDEO     equ 0xE1     ; int 10h
PORT_BIOS_DISK      equ 0xE2     ; int 13h
PORT_BIOS_SYSCONF   equ 0xE3     ; int 15h
PORT_BIOS_UNSUPP    equ 0xE4     ; AL = interrupt number, AH as the caller gave it
SYS_POST            equ 0        ; fill the host-dependent BDA fields, set video mode 3
SYS_BOOT_DRIVE      equ 1        ; DL = the boot drive

; 8259 PICs, 8254 PIT, i8042 keyboard controller
PIC1_CMD            equ 0x20
PIC1_DATA           equ 0x21
PIC2_CMD            equ 0xA0
PIC2_DATA           equ 0xA1
PIC_ICW1_INIT       equ 0x11     ; edge triggered, cascade, ICW4 follows
PIC_ICW4_8086       equ 0x01
PIC_EOI             equ 0x20
PIC1_VECTOR         equ 0x08     ; IRQ 0-7 -> int 08h-0Fh, as on every PC
PIC2_VECTOR         equ 0x70     ; IRQ 8-15 -> int 70h-77h
PIC1_CASCADE        equ 0x04     ; the slave sits on IRQ 2
PIC2_CASCADE_ID     equ 0x02
PIC1_MASK           equ 0xF8     ; IRQ 0 (timer), 1 (keyboard), 2 (cascade) enabled
PIC2_MASK           equ 0xFF
PIT_CH0             equ 0x40
PIT_CMD             equ 0x43
PIT_CH0_MODE3       equ 0x36     ; channel 0, lobyte/hibyte, square wave
KBD_DATA            equ 0x60
KBD_CMD             equ 0x64
KBD_ENABLE          equ 0xAE

; BIOS data area (segment 0, offsets 0x400-0x4FF)
BDA_KBD_FLAGS       equ 0x417
BDA_KBD_HEAD        equ 0x41A    ; offsets relative to segment 0x40
BDA_KBD_TAIL        equ 0x41C
BDA_KBD_BUF         equ 0x1E
BDA_KBD_BUF_END     equ 0x3E
BDA_TICKS           equ 0x46C
BDA_MIDNIGHT        equ 0x470
BDA_KBD_START       equ 0x480
BDA_KBD_END         equ 0x482
BDA_BASE            equ 0x400
BDA_EQUIPMENT       equ 0x410
BDA_MEM_KB          equ 0x413
TICKS_PER_DAY       equ 0x1800B0

BOOT_ADDR           equ 0x7C00
BOOT_SIGNATURE      equ 0xAA55
BOOT_SIG_AT         equ BOOT_ADDR + 510
STACK_TOP           equ 0x7C00
FLAG_CF             equ 0x0001
FLAG_ZF             equ 0x0040
FLAGS_AT            equ 6        ; saved FLAGS at [bp+6] after `push bp; mov bp, sp`
UNSUPPORTED         equ 0x86     ; AH of a function this BIOS does not have
ASCII_LF            equ 0x0A
ASCII_CR            equ 0x0D

; ---------------------------------------------------------------------------
; Power-on self test
; ---------------------------------------------------------------------------
post:
	cli
	cld
	xor ax, ax
	mov ss, ax
	mov sp, STACK_TOP
	mov ds, ax
	mov es, ax

	; Every vector of the IVT points at an `iret`; then the services.
	xor di, di
	mov eax, ROM_SEG << 16
	mov ax, default_handler
	mov cx, 256
	rep stosd
	mov si, vectors
.vector:
	mov bx, [cs:si]
	cmp bx, 0xFFFF
	je .vectors_done
	shl bx, 2
	mov ax, [cs:si + 2]
	mov [bx], ax
	mov word [bx + 2], ROM_SEG
	add si, 4
	jmp .vector
.vectors_done:

	; The keyboard buffer: an empty ring at 0x41E-0x43D.
	mov word [BDA_KBD_HEAD], BDA_KBD_BUF
	mov word [BDA_KBD_TAIL], BDA_KBD_BUF
	mov word [BDA_KBD_START], BDA_KBD_BUF
	mov word [BDA_KBD_END], BDA_KBD_BUF_END

	; Interrupt controllers: IRQ 0-7 at int 08h, IRQ 8-15 at int 70h.
	mov al, PIC_ICW1_INIT
	out PIC1_CMD, al
	out PIC2_CMD, al
	mov al, PIC1_VECTOR
	out PIC1_DATA, al
	mov al, PIC2_VECTOR
	out PIC2_DATA, al
	mov al, PIC1_CASCADE
	out PIC1_DATA, al
	mov al, PIC2_CASCADE_ID
	out PIC2_DATA, al
	mov al, PIC_ICW4_8086
	out PIC1_DATA, al
	out PIC2_DATA, al
	mov al, PIC1_MASK
	out PIC1_DATA, al
	mov al, PIC2_MASK
	out PIC2_DATA, al

	; The timer: divisor 65536, 18.2 ticks a second (int 08h).
	mov al, PIT_CH0_MODE3
	out PIT_CMD, al
	xor al, al
	out PIT_CH0, al
	out PIT_CH0, al

	; Keys from now on arrive by IRQ 1 (int 09h).
	mov al, KBD_ENABLE
	out KBD_CMD, al

	; kvm-vmm fills memory sizes and equipment, and sets video mode 3.
	mov al, SYS_POST
	out PORT_BIOS_SYSTEM, al
	int 0x19

; ---------------------------------------------------------------------------
; int 19h: load the boot sector and jump to it
; ---------------------------------------------------------------------------
int19:
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, STACK_TOP
	sti
	mov al, SYS_BOOT_DRIVE
	out PORT_BIOS_SYSTEM, al      ; DL = boot drive
	mov ax, 0x0201                ; read one sector
	mov cx, 0x0001                ; cylinder 0, sector 1
	xor dh, dh                    ; head 0
	mov bx, BOOT_ADDR
	int 0x13
	jc .fail
	cmp word [BOOT_SIG_AT], BOOT_SIGNATURE
	jne .fail
	xor ax, ax
	xor bx, bx
	xor cx, cx
	xor si, si
	xor di, di
	xor bp, bp
	xor dh, dh
	jmp 0:BOOT_ADDR
.fail:
	mov si, msg_boot_failed
	call print
.halt:
	cli
	hlt
	jmp .halt

; print the NUL-terminated string at CS:SI with int 10h teletype
print:
	mov ah, 0x0E
	xor bx, bx
.next:
	mov al, [cs:si]
	test al, al
	jz .done
	int 0x10
	inc si
	jmp .next
.done:
	ret

msg_boot_failed: db "Boot failed: could not read the boot disk", ASCII_CR, ASCII_LF, 0

; ---------------------------------------------------------------------------
; Services that kvm-vmm carries out: one exit each.
; ---------------------------------------------------------------------------
int10:
	out PORT_BIOS_VIDEO, al
	iret

int13:
	out PORT_BIOS_DISK, al
	iret

int15:
	out PORT_BIOS_SYSCONF, al
	iret

default_handler:
	iret

; int 11h: the equipment word
int11:
	push ds
	xor ax, ax
	mov ds, ax
	mov ax, [BDA_EQUIPMENT]
	pop ds
	iret

; int 12h: KiB of conventional memory
int12:
	push ds
	xor ax, ax
	mov ds, ax
	mov ax, [BDA_MEM_KB]
	pop ds
	iret

; ---------------------------------------------------------------------------
; int 08h (IRQ 0): count the ticks, call int 1Ch, acknowledge the PIC
; ---------------------------------------------------------------------------
int08:
	push ds
	push ax
	xor ax, ax
	mov ds, ax
	inc dword [BDA_TICKS]
	cmp dword [BDA_TICKS], TICKS_PER_DAY
	jb .counted
	mov dword [BDA_TICKS], 0
	mov byte [BDA_MIDNIGHT], 1
.counted:
	int 0x1C
	mov al, PIC_EOI
	out PIC1_CMD, al
	pop ax
	pop ds
	iret

; ---------------------------------------------------------------------------
; int 09h (IRQ 1): a byte from the keyboard controller into the buffer.
; kvm-vmm's keyboard delivers ASCII; the scan code comes from a table.
; ---------------------------------------------------------------------------
int09:
	push ds
	push ax
	push bx
	xor ax, ax
	mov ds, ax
	in al, KBD_DATA
	cmp al, ASCII_LF              ; a terminal's Enter is the PC's CR
	jne .ascii
	mov al, ASCII_CR
.ascii:
	xor ah, ah
	cmp al, 0x80
	jae .store
	mov bx, ax
	mov ah, [cs:scan_codes + bx]
.store:
	mov bx, [BDA_KBD_TAIL]
	mov [BDA_BASE + bx], ax
	add bx, 2
	cmp bx, [BDA_KBD_END]
	jb .no_wrap
	mov bx, [BDA_KBD_START]
.no_wrap:
	cmp bx, [BDA_KBD_HEAD]
	je .full                      ; buffer full: the key is lost
	mov [BDA_KBD_TAIL], bx
.full:
	mov al, PIC_EOI
	out PIC1_CMD, al
	pop bx
	pop ax
	pop ds
	iret

; ---------------------------------------------------------------------------
; int 16h: keyboard. 00h/10h read a key (waits), 01h/11h peek (ZF set when
; none), 02h/12h shift state.
; ---------------------------------------------------------------------------
int16:
	push bp
	mov bp, sp
	push ds
	push bx
	xor bx, bx
	mov ds, bx
	cmp ah, 0x00
	je .read
	cmp ah, 0x10
	je .read
	cmp ah, 0x01
	je .peek
	cmp ah, 0x11
	je .peek
	cmp ah, 0x02
	je .shift
	cmp ah, 0x12
	je .shift
	pop bx
	pop ds
	pop bp
	mov al, 0x16
	jmp unsupported
.read:
	cli
	mov bx, [BDA_KBD_HEAD]
	cmp bx, [BDA_KBD_TAIL]
	jne .take
	sti                           ; wait for IRQ 1 (or the timer)
	hlt
	jmp .read
.take:
	mov ax, [BDA_BASE + bx]
	add bx, 2
	cmp bx, [BDA_KBD_END]
	jb .taken
	mov bx, [BDA_KBD_START]
.taken:
	mov [BDA_KBD_HEAD], bx
	jmp .return
.peek:
	mov bx, [BDA_KBD_HEAD]
	cmp bx, [BDA_KBD_TAIL]
	je .none
	mov ax, [BDA_BASE + bx]
	and word [bp + FLAGS_AT], ~FLAG_ZF
	jmp .return
.none:
	or word [bp + FLAGS_AT], FLAG_ZF
	jmp .return
.shift:
	mov al, [BDA_KBD_FLAGS]
	xor ah, ah
.return:
	pop bx
	pop ds
	pop bp
	iret

; ---------------------------------------------------------------------------
; int 1Ah: 00h read the tick count (CX:DX, AL = passed midnight),
; 01h set it.
; ---------------------------------------------------------------------------
int1a:
	push ds
	push bx
	xor bx, bx
	mov ds, bx
	cmp ah, 0x00
	je .get
	cmp ah, 0x01
	je .set
	pop bx
	pop ds
	mov al, 0x1A
	jmp unsupported
.get:
	cli
	mov dx, [BDA_TICKS]
	mov cx, [BDA_TICKS + 2]
	mov al, [BDA_MIDNIGHT]
	mov byte [BDA_MIDNIGHT], 0
	sti
	jmp .done
.set:
	cli
	mov [BDA_TICKS], dx
	mov [BDA_TICKS + 2], cx
	mov byte [BDA_MIDNIGHT], 0
	sti
.done:
	pop bx
	pop ds
	iret

; An interrupt function this BIOS does not have (AL = the interrupt, AH
; as the caller gave it): kvm-vmm names it under --trace, sets AH = 86h
; and CF in the caller's FLAGS.
unsupported:
	out PORT_BIOS_UNSUPP, al
	iret

; ---------------------------------------------------------------------------
; Tables
; ---------------------------------------------------------------------------
vectors:
	dw 0x08, int08
	dw 0x09, int09
	dw 0x10, int10
	dw 0x11, int11
	dw 0x12, int12
	dw 0x13, int13
	dw 0x15, int15
	dw 0x16, int16
	dw 0x19, int19
	dw 0x1A, int1a
	dw 0x1E, diskette_params
	dw 0xFFFF

; The diskette parameter table of a 1.44 MB drive (int 1Eh points at it,
; int 13h AH=08h returns it in ES:DI for a floppy).
diskette_params:
	db 0xAF, 0x02, 0x25, 0x02, 18, 0x1B, 0xFF, 0x6C, 0xF6, 0x0F, 0x08

; Set 1 scan codes of a US keyboard for ASCII 0-127 (0: none).
scan_codes:
	;   NUL   ^A    ^B    ^C    ^D    ^E    ^F    ^G    BS    TAB   LF    ^K    ^L    CR    ^N    ^O
	db 0x00, 0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, 0x0E, 0x0F, 0x1C, 0x25, 0x26, 0x1C, 0x31, 0x18
	;   ^P    ^Q    ^R    ^S    ^T    ^U    ^V    ^W    ^X    ^Y    ^Z    ESC   ^\    ^]    ^^    ^_
	db 0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, 0x2D, 0x15, 0x2C, 0x01, 0x2B, 0x1B, 0x07, 0x0C
	;   SP    !     "     #     $     %     &     '     (     )     *     +     ,     -     .     /
	db 0x39, 0x02, 0x28, 0x04, 0x05, 0x06, 0x08, 0x28, 0x0A, 0x0B, 0x09, 0x0D, 0x33, 0x0C, 0x34, 0x35
	;   0     1     2     3     4     5     6     7     8     9     :     ;     <     =     >     ?
	db 0x0B, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x27, 0x27, 0x33, 0x0D, 0x34, 0x35
	;   @     A     B     C     D     E     F     G     H     I     J     K     L     M     N     O
	db 0x03, 0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32, 0x31, 0x18
	;   P     Q     R     S     T     U     V     W     X     Y     Z     [     \     ]     ^     _
	db 0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, 0x2D, 0x15, 0x2C, 0x1A, 0x2B, 0x1B, 0x07, 0x0C
	;   `     a     b     c     d     e     f     g     h     i     j     k     l     m     n     o
	db 0x29, 0x1E, 0x30, 0x2E, 0x20, 0x12, 0x21, 0x22, 0x23, 0x17, 0x24, 0x25, 0x26, 0x32, 0x31, 0x18
	;   p     q     r     s     t     u     v     w     x     y     z     {     |     }     ~     DEL
	db 0x19, 0x10, 0x13, 0x1F, 0x14, 0x16, 0x2F, 0x11, 0x2D, 0x15, 0x2C, 0x1A, 0x2B, 0x1B, 0x29, 0x53

; ---------------------------------------------------------------------------
; The reset vector, the BIOS date and the model byte, as on every PC.
; ---------------------------------------------------------------------------
	times 0xFFF0 - ($ - $$) db 0
reset_vector:
	jmp ROM_SEG:post
	db "12/03/26"
	db 0
	db 0xFC                       ; model: PC/AT
	db 0
