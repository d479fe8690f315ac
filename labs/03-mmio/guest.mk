# guest.mk - how lab 03's guest is built (included by labs/labs.mk): 64-bit
# code, run in long mode, where kvm-vmm's page tables map the first 4 GiB
# one to one, the MMIO device at 0xD0000000 included, and `mov rax, [...]`
# makes the 8-byte accesses the lab needs.
labs/03-mmio/%: NASM_FORMAT := elf64
labs/03-mmio/%: LOAD_ADDR := 0x100000
