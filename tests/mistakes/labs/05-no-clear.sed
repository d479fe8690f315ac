# Lab 05, a plausible mistake: DIRTY_START only sets KVM_MEM_LOG_DIRTY_PAGES;
# on a slot that logs already that changes nothing, and old writes remain.
/^static uint32_t start_tracking/,/^}/s/bitmap = read_dirty_log(vm);/return 0;/
