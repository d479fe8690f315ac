# Lab 03, a plausible mistake: only the low bits of the address decoded,
# so the box answers in every page of the hole, not just its own.
s/if (addr < LAYOUT_LAB_MMIO || addr - LAYOUT_LAB_MMIO >= LAYOUT_LAB_MMIO_SIZE)/if (false)/
s/offset = addr - LAYOUT_LAB_MMIO;/offset = addr % LAYOUT_LAB_MMIO_SIZE;/
