# bench/bench.mk - `make bench`: build the benchmark guests, their QEMU disk
# images, the bare-KVM floor and the native compute program (all in
# build/bench/), then run bench/bench.py, which prints the results as a
# Markdown table. `make bench QUICK=1` uses fewer runs and smaller sizes;
# `make bench BENCH_ROWS="2 3"` runs only those rows; row 8, the debugger
# against QEMU's gdbstub and an instant stub, is bench/debugger.py; row 9,
# reverse debugging (--record), is bench/reverse.py.
# Included by the top Makefile.

BENCH_OUT := $(BUILD)/bench

# Sizes of the workloads (bench/bench.py gets them from here):
#   EXITS        row 2: `out`s to port 0xE9 in one run
#   SCALE_EXITS  row 6: `out`s per guest when many guests run at once
#   FIB_RING3    row 3: fib(n) natively, in ring 3 and under QEMU
#   FIB_RING0    row 3: fib(n) in ring 0 (emulated on PVM hosts: keep it small)
BENCH_EXITS := 100000
ifeq ($(QUICK),1)
BENCH_SCALE_EXITS := 2000
BENCH_FIB_RING3 := 32
BENCH_FIB_RING0 := 18
else
BENCH_SCALE_EXITS := 10000
BENCH_FIB_RING3 := 37
BENCH_FIB_RING0 := 23
endif

# Guests run by kvm-vmm (ELF, linked at 0x7c00 like lesson 01); the ones
# QEMU runs too get a flat binary (.bin) and a disk image (.img).
BENCH_COMPUTE := $(foreach n,0 $(BENCH_FIB_RING3),$(BENCH_OUT)/compute-r3-n$(n)) \
                 $(foreach n,0 $(BENCH_FIB_RING0),$(BENCH_OUT)/compute-r0-n$(n))
BENCH_GUESTS := $(BENCH_OUT)/hello-exit.elf $(BENCH_OUT)/hello-exit.bin $(BENCH_OUT)/steps.elf \
                $(BENCH_COMPUTE:=.elf) \
                $(BENCH_OUT)/exits-$(BENCH_EXITS).bin $(BENCH_OUT)/exits-$(BENCH_SCALE_EXITS).elf
BENCH_IMAGES := $(BENCH_OUT)/hello-exit.img $(BENCH_OUT)/steps.img $(BENCH_OUT)/pcboot.disk \
                $(BENCH_OUT)/compute-r3-n0.img $(BENCH_OUT)/compute-r3-n$(BENCH_FIB_RING3).img
BENCH_PROGRAMS := $(BENCH_OUT)/floor $(BENCH_OUT)/compute_native

BENCH_NASM = nasm -f elf32 -g -F dwarf -Iguest/ -Ibench/ -I./ -MD $@.d
BENCH_LD = ld -m elf_i386 -n --build-id=none --defsym=LOAD_ADDR=0x7c00 -T guest/guest.ld

.PHONY: bench bench-build bench-clean

## bench: measure kvm-vmm against QEMU, native code and bare KVM (QUICK=1: fast)
bench: bench-build
	$(Q)python3 -B bench/bench.py $(if $(filter 1,$(QUICK)),--quick) --rows "$(BENCH_ROWS)" \
	    --vmm ./$(VMM) --out $(BENCH_OUT) --exits $(BENCH_EXITS) \
	    --scale-exits $(BENCH_SCALE_EXITS) --fib-ring3 $(BENCH_FIB_RING3) \
	    --fib-ring0 $(BENCH_FIB_RING0)
	$(Q)$(if $(or $(if $(BENCH_ROWS),,all),$(filter 8,$(BENCH_ROWS))),\
	    python3 -B bench/debugger.py $(if $(filter 1,$(QUICK)),--quick) --out $(BENCH_OUT))
	$(Q)$(if $(or $(if $(BENCH_ROWS),,all),$(filter 9,$(BENCH_ROWS))),\
	    python3 -B bench/reverse.py $(if $(filter 1,$(QUICK)),--quick) --vmm ./$(VMM) \
	    --out $(BENCH_OUT))

bench-build: deps $(VMM) $(GDBSTUB_LIB) $(BENCH_GUESTS) $(BENCH_IMAGES) $(BENCH_PROGRAMS)

bench-clean:
	rm -rf $(BENCH_OUT)

$(BENCH_OUT)/hello-exit.o: bench/hello-exit.asm lessons/01-hello/hello.asm guest/abi.inc
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(BENCH_NASM) -o $@ $<

$(BENCH_OUT)/steps.o: bench/steps.asm guest/abi.inc
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)$(BENCH_NASM) -o $@ $<

# exits-N: N `out`s.
$(BENCH_OUT)/exits-%.o: bench/exits.asm guest/abi.inc
	@mkdir -p $(dir $@)
	$(call say,NASM,$@)
	$(Q)$(BENCH_NASM) -DEXITS=$* -o $@ $<

# compute-rR-nN: fib(N) in ring R.
$(BENCH_OUT)/compute-r%.o: bench/compute.asm bench/fib.inc guest/abi.inc
	@mkdir -p $(dir $@)
	$(call say,NASM,$@)
	$(Q)$(BENCH_NASM) -DRING=$(firstword $(subst -n, ,$*)) \
	    -DFIB_N=$(lastword $(subst -n, ,$*)) -o $@ $<

$(BENCH_OUT)/%.elf: $(BENCH_OUT)/%.o guest/guest.ld
	$(call say,LD,$@)
	$(Q)$(BENCH_LD) -o $@ $<

# The flat image of a guest: what QEMU's BIOS and bench/floor.c load.
$(BENCH_OUT)/%.bin: $(BENCH_OUT)/%.elf
	$(call say,OBJCOPY,$@)
	$(Q)objcopy -O binary $< $@

# A bootable disk: bench/boot.asm in sector 0 (told how many sectors
# follow), then the guest's flat image, padded to whole sectors.
$(BENCH_OUT)/%.img: $(BENCH_OUT)/%.bin bench/boot.asm
	$(call say,IMG,$@)
	$(Q)sectors=$$(( ($$(stat -c %s $<) + 511) / 512 )); \
	nasm -f bin -DPAYLOAD_SECTORS=$$sectors -o $@.boot bench/boot.asm && \
	cat $@.boot $< > $@ && truncate -s $$(( (sectors + 1) * 512 )) $@ && rm -f $@.boot

# Row 7: a boot sector on its own, booted by each side's BIOS.
$(BENCH_OUT)/pcboot.disk: bench/pcboot.asm
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)nasm -f bin -o $@ $<

$(BENCH_OUT)/floor: bench/floor.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS) -o $@ $<

$(BENCH_OUT)/fib_native.o: bench/fib_native.asm bench/fib.inc
	@mkdir -p $(dir $@)
	$(call say,NASM,$<)
	$(Q)nasm -f elf64 -Ibench/ -o $@ $<

$(BENCH_OUT)/compute_native: bench/compute_native.c $(BENCH_OUT)/fib_native.o
	$(call say,CC,$<)
	$(Q)$(CC) $(CFLAGS) -o $@ $^

# NASM's dependency files; never remade (no rule may match them).
$(BENCH_OUT)/%.o.d: ;
-include $(wildcard $(BENCH_OUT)/*.o.d)
