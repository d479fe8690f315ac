; date.asm - lab 02's guest: reads the CMOS real-time clock through ports
; 0x70 (index) and 0x71 (data) and prints what stdin's first character asks:
;   1  the date and time, "YYYY-MM-DD HH:MM:SS" (UTC)
;   2  the status registers, "A=.. B=.. C=.. D=.." in hexadecimal
;   3  the day of the week, "weekday N" (1 = Sunday)
;   4  the date and time as 1, with bit 7 of each index set (NMI masked)
; It exits 0, or 2 when the update-in-progress bit never clears.

%include "abi.inc"

%define PORT_CMOS_INDEX         0x70    ; out: which register (bit 7: mask NMI)
%define PORT_CMOS_DATA          0x71    ; in/out: the register's value
%define CMOS_NMI_DISABLE        0x80    ; bit 7 of the index

%define RTC_SECONDS             0x00
%define RTC_MINUTES             0x02
%define RTC_HOURS               0x04
%define RTC_WEEKDAY             0x06
%define RTC_DAY                 0x07
%define RTC_MONTH               0x08
%define RTC_YEAR                0x09
%define RTC_STATUS_A            0x0A
%define RTC_STATUS_B            0x0B
%define RTC_STATUS_C            0x0C
%define RTC_STATUS_D            0x0D
%define RTC_CENTURY             0x32
%define STATUS_A_UIP            0x80    ; update in progress: the time is changing

%define UIP_TRIES               0x1000  ; reads of status A before giving up
%define EXIT_UIP_STUCK          2
%define NEWLINE                 10
%define NIBBLE_BITS             4
%define NIBBLE_MASK             0x0F
%define DECIMAL_DIGITS          10

bits 16
section .text
global _start
_start:
        HYPERCALL HC_GETCHAR            ; al = which case
        cmp al, '1'
        je case_date
        cmp al, '2'
        je case_status
        cmp al, '3'
        je case_weekday
        cmp al, '4'
        je case_date_nmi
        EXIT 1                          ; no such case

case_date:
        xor bl, bl                      ; bl = what to OR into each index
        call print_date
        jmp done
case_date_nmi:
        mov bl, CMOS_NMI_DISABLE
        call print_date
        jmp done
case_status:
        xor bl, bl
        PRINT "A="
        mov ah, RTC_STATUS_A
        call print_reg
        PRINT " B="
        mov ah, RTC_STATUS_B
        call print_reg
        PRINT " C="
        mov ah, RTC_STATUS_C
        call print_reg
        PRINT " D="
        mov ah, RTC_STATUS_D
        call print_reg
        PUTC NEWLINE
        jmp done
case_weekday:
        xor bl, bl
        call wait_update
        PRINT "weekday "
        mov ah, RTC_WEEKDAY
        call print_reg
        PUTC NEWLINE
done:
        EXIT 0
        hlt

; print_date - "YYYY-MM-DD HH:MM:SS" and a newline; bl is ORed into
; each index.
print_date:
        call wait_update
        mov ah, RTC_CENTURY
        call print_reg
        mov ah, RTC_YEAR
        call print_reg
        PUTC '-'
        mov ah, RTC_MONTH
        call print_reg
        PUTC '-'
        mov ah, RTC_DAY
        call print_reg
        PUTC ' '
        mov ah, RTC_HOURS
        call print_reg
        PUTC ':'
        mov ah, RTC_MINUTES
        call print_reg
        PUTC ':'
        mov ah, RTC_SECONDS
        call print_reg
        PUTC NEWLINE
        ret

; wait_update - wait until status A's UIP bit is clear: then the clock will
; not change for a while. Exits with EXIT_UIP_STUCK if it never clears.
wait_update:
        mov ecx, UIP_TRIES
.again: mov ah, RTC_STATUS_A
        call read_reg
        test al, STATUS_A_UIP
        jz .clear
        dec ecx
        jnz .again
        PRINT "status A: update in progress for ever", NEWLINE
        EXIT EXIT_UIP_STUCK
.clear: ret

; read_reg - al = CMOS register ah (bl ORed into the index).
read_reg:
        mov al, ah
        or al, bl
        out PORT_CMOS_INDEX, al
        in al, PORT_CMOS_DATA
        ret

; print_reg - print CMOS register ah as two hexadecimal digits (a BCD
; value prints as its two decimal digits).
print_reg:
        call read_reg
        push ax
        shr al, NIBBLE_BITS
        call print_nibble
        pop ax
        and al, NIBBLE_MASK
        call print_nibble
        ret

; print_nibble - one hexadecimal digit for al (0..15).
print_nibble:
        cmp al, DECIMAL_DIGITS
        jb .digit
        add al, 'A' - '0' - DECIMAL_DIGITS
.digit: add al, '0'
        out PORT_DEBUGCON, al
        ret
