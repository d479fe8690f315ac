; boot.asm - a 512-byte boot sector that lets QEMU's BIOS run a mini-kvm
; real-mode guest image. The BIOS loads this sector at 0x7c00 and jumps to
; it; the guest image (linked at 0x7c00 too) follows on the disk. So the
; loader first moves itself out of the way to 0x0600, then reads the image
; from the next sectors to 0x7c00 with the BIOS disk service (int 13h,
; extended read), and jumps there with the CPU state kvm-vmm gives a
; real-mode guest: CS = DS = ES = SS = 0, SP = 0x7c00, interrupts off.
;
; Build: nasm -f bin -DPAYLOAD_SECTORS=N boot.asm (N = image size in sectors).

bits 16
org 0x0600                      ; where the code runs after relocation

%define BOOT_ADDR       0x7c00  ; where the BIOS loads us, and the guest goes
%define RELOC_ADDR      0x0600  ; the classic spot for a relocated boot sector
%define SECTOR_SIZE     512
%define MAX_SECTORS     64      ; 0x7c00 + 64 * 512 stays inside segment 0
%define PORT_DEBUGCON   0xE9
%define PORT_EXIT       0xF4
%define EXIT_LOAD_FAIL  3       ; our exit code when the disk read fails
%define INT13_EXT_READ  0x42    ; int 13h: read sectors by LBA
%define BOOT_SIGNATURE  0xAA55

%ifndef PAYLOAD_SECTORS
  %error "define PAYLOAD_SECTORS: the size of the guest image in sectors"
%endif
%if PAYLOAD_SECTORS < 1 || PAYLOAD_SECTORS > MAX_SECTORS
  %error "the guest image must be 1 to 64 sectors"
%endif

start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, BOOT_ADDR
        ; Copy these 512 bytes to RELOC_ADDR. Until the far jump below
        ; the code runs at 0x7c00, so it must not use any label.
        cld
        mov si, BOOT_ADDR
        mov di, RELOC_ADDR
        mov cx, SECTOR_SIZE / 2
        rep movsw
        jmp 0:relocated

relocated:
        sti                             ; the BIOS disk service wants interrupts
        mov [boot_drive], dl            ; the BIOS passes the boot drive in DL
        mov si, disk_packet
        mov ah, INT13_EXT_READ
        int 0x13
        jc load_failed
        ; Hand over as kvm-vmm starts a real-mode guest.
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, BOOT_ADDR
        xor bx, bx
        xor cx, cx
        xor dx, dx
        xor si, si
        xor di, di
        xor bp, bp
        jmp 0:BOOT_ADDR

load_failed:
        mov al, 'E'
        out PORT_DEBUGCON, al
        mov al, EXIT_LOAD_FAIL
        out PORT_EXIT, al
        cli
        hlt

boot_drive: db 0

; The int 13h extended-read "disk address packet".
disk_packet:
        db 16                   ; size of this packet
        db 0
        dw PAYLOAD_SECTORS      ; sectors to read
        dw BOOT_ADDR, 0         ; buffer offset, segment
        dq 1                    ; first sector (LBA): the one after us

        times SECTOR_SIZE - 2 - ($ - $$) db 0
        dw BOOT_SIGNATURE
