/*
 * probe.c - find out what this host's KVM really does. Some hosts (nested
 * PVM) emulate ring-0 code and ignore some debug facilities; documentation
 * cannot tell, so we run a few instructions in scratch VMs and watch which
 * exits come back. The GDB stub picks its breakpoint mechanism from this;
 * --check-host prints it as a table.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"
#include "probe.h"
#include "vmm.h"
#include "x86/bits.h"
#include "x86/x86.h"
#include "x86/x86.h"

/* Where probe code and data go in the scratch VM (above the VMM tables,
 * below 64 KiB so real mode reaches them). */
#define PROBE_CODE 0x8000
#define PROBE_HANDLER 0x8100 /* real-mode int3 handler */
#define PROBE_DATA 0x9000
#define PROBE_MEM (2ULL << 20)
#define PROBE_TIMEOUT_MS 200
#define PROBE_EXIT_LOOPS 1000
#define PROBE_RING0_LOOPS 10000
#define PROBE_RING3_LOOPS 10000000

/* Machine code, one instruction per line. The same bytes mean the same
 * thing in 16-, 32- and 64-bit mode unless noted. */
#define OP_NOP 0x90
#define OP_HLT 0xf4
#define OP_INT3 0xcc
#define OUT_E9 0xb0, 'K', 0xe6, PORT_DEBUGCON /* mov al,'K'; out 0xe9,al */

static const uint8_t code_out_hlt[] = { OUT_E9, OP_HLT };
static const uint8_t code_nops[] = { OP_NOP, OP_NOP, OUT_E9, OP_HLT };
static const uint8_t code_int3[] = { OP_INT3, OUT_E9, OP_HLT };
static const uint8_t code_nop_hlt[] = { OP_NOP, OP_HLT };
/* Read from [bx] (16-bit: mov ax,[bx]) or [rbx] (32/64-bit: mov eax,[ebx]). */
static const uint8_t code_load16[] = { 0x8b, 0x07, OUT_E9, OP_HLT };
static const uint8_t code_load32[] = { 0x8b, 0x03, OUT_E9, OP_HLT };
/* Write to [bx] (16-bit: mov [bx],ax) or [rbx] (32/64-bit: mov [ebx],eax). */
static const uint8_t code_store16[] = { 0x89, 0x07, OUT_E9, OP_HLT };
static const uint8_t code_store32[] = { 0x89, 0x03, OUT_E9, OP_HLT };
/* rep stosb (CX/ECX = REP_PROBE_COUNT, to [DI/EDI]); then out, hlt */
static const uint8_t code_rep[] = { 0xf3, 0xaa, OUT_E9, OP_HLT };
#define REP_PROBE_COUNT 3
/* Real-mode int3 handler: out 'I' to show the guest's IVT ran it. */
static const uint8_t code_handler[] = { 0xb0, 'I', 0xe6, PORT_DEBUGCON, OP_HLT };
/* 32/64-bit: mov ecx, n; l: out 0xe9,al; loop l; hlt  (n patched in) */
static const uint8_t code_out_loop[] = { 0xb9, 0, 0, 0, 0, 0xe6, PORT_DEBUGCON, 0xe2, 0xfc,
					 OP_HLT };
/* 32/64-bit: mov ecx, n; l: loop l; out 0xe9,al  (ends with an out: ring 3
 * cannot hlt) */
static const uint8_t code_loop[] = { 0xb9, 0, 0, 0, 0, 0xe2, 0xfe, 0xe6, PORT_DEBUGCON };
#define LOOP_COUNT_OFFSET 1
/* 32-bit: mov eax,cr0; or eax,CR0_PG; mov cr0,eax; then out/hlt */
static const uint8_t code_paging32[] = { 0x0f, 0x20, 0xc0, 0x0d, 0, 0, 0, 0x80, 0x0f, 0x22, 0xc0,
					 OUT_E9, OP_HLT };
#define PROBE_PD 0xa000  /* page directory and one page table: 4 MiB identity */
#define PROBE_PT 0xb000
#define PT_ENTRIES 1024

static struct host_caps caps;
static bool probed, timed;
static timer_t run_timer;   /* bounds one KVM_RUN of a scratch VM */

static void alarm_handler(int sig)
{
	(void)sig;
}

/* A timer that interrupts this thread only (not the whole process, whose
 * other threads may be running guests): SIGALRM to our thread id. */
static bool make_run_timer(char *err)
{
	struct sigevent ev;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_THREAD_ID;
	ev.sigev_signo = SIGALRM;
	ev._sigev_un._tid = gettid();
	if (timer_create(CLOCK_MONOTONIC, &ev, &run_timer) == 0)
		return true;
	vmm_fail(err, "probe: timer_create: %s%s", strerror(errno), vmm_errno_hint(errno));
	return false;
}

bool host_is_pvm(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}

static bool cpu_has_hw_virt(void)
{
	char line[4096];
	bool found = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && (strstr(line, " vmx") || strstr(line, " svm")))
			found = true;
	fclose(f);
	return found;
}

/* A scratch guest: one VM, one vCPU, code copied to PROBE_CODE. */
struct scratch {
	struct vm vm;
};

static int scratch_new(struct scratch *s, enum cpu_mode mode, const uint8_t *code, size_t len,
		       char *err)
{
	memset(s, 0, sizeof(*s));
	s->vm.path = "probe";
	if (vm_create(&s->vm, PROBE_MEM, 1, false, err) < 0) {
		vm_destroy(&s->vm);
		return -1;
	}
	s->vm.mode = mode;
	cpu_write_tables(s->vm.mem, s->vm.mem_size, mode);
	memcpy(s->vm.mem + PROBE_CODE, code, len);
	if (cpu_setup(&s->vm.cpus[0], mode, PROBE_CODE, err) < 0) {
		vm_destroy(&s->vm);
		return -1;
	}
	return 0;
}

/* One KVM_RUN bounded by PROBE_TIMEOUT_MS: the exit reason, or -1 if the
 * guest neither exited in time nor could run. */
static int scratch_run(struct scratch *s)
{
	struct itimerspec t = { .it_value = { 0, PROBE_TIMEOUT_MS * 1000000L } };
	struct itimerspec off = { 0 };
	int ret;

	timer_settime(run_timer, 0, &t, NULL);
	ret = ioctl(s->vm.cpus[0].fd, KVM_RUN, 0);
	timer_settime(run_timer, 0, &off, NULL);
	if (ret < 0)
		return -1;
	return s->vm.cpus[0].run->exit_reason;
}

static bool set_debug(struct scratch *s, uint32_t control, uint64_t dr0, uint64_t dr7)
{
	struct kvm_guest_debug dbg;

	memset(&dbg, 0, sizeof(dbg));
	dbg.control = KVM_GUESTDBG_ENABLE | control;
	dbg.arch.debugreg[0] = dr0;
	dbg.arch.debugreg[DR_CONTROL] = dr7;
	return ioctl(s->vm.cpus[0].fd, KVM_SET_GUEST_DEBUG, &dbg) == 0;
}

/* Set one general register (a pointer into struct kvm_regs). */
static bool set_reg(struct scratch *s, size_t offset, uint64_t v)
{
	struct kvm_regs r;

	if (ioctl(s->vm.cpus[0].fd, KVM_GET_REGS, &r) < 0)
		return false;
	memcpy((uint8_t *)&r + offset, &v, sizeof(v));
	return ioctl(s->vm.cpus[0].fd, KVM_SET_REGS, &r) == 0;
}

static bool set_rbx(struct scratch *s, uint64_t v)
{
	return set_reg(s, offsetof(struct kvm_regs, rbx), v);
}


static bool exited_to_port(struct scratch *s, int reason)
{
	return reason == KVM_EXIT_IO && s->vm.cpus[0].run->io.port == PORT_DEBUGCON;
}

static enum probe_result yes_if(bool b)
{
	return b ? PROBE_YES : PROBE_NO;
}

/* After one single-step of code_rep: did it do one iteration only (the
 * PC still on the instruction, the count one less), as hardware does? */
static enum probe_result step_rep_result(struct scratch *s)
{
	struct kvm_regs r;

	if (!set_reg(s, offsetof(struct kvm_regs, rcx), REP_PROBE_COUNT) ||
	    !set_reg(s, offsetof(struct kvm_regs, rdi), PROBE_DATA) ||
	    !set_debug(s, KVM_GUESTDBG_SINGLESTEP, 0, 0) || scratch_run(s) != KVM_EXIT_DEBUG ||
	    ioctl(s->vm.cpus[0].fd, KVM_GET_REGS, &r) < 0)
		return PROBE_NO;
	return yes_if(s->vm.cpus[0].run->debug.arch.pc == PROBE_CODE &&
		      r.rcx == REP_PROBE_COUNT - 1);
}

/* With the data page mapped read-only (absent: not mapped at all), does
 * the store (absent: the load) exit as MMIO there, and does the guest go
 * on after it (to its `out`)? */
static enum probe_result ro_write_result(struct scratch *s, char *err, bool absent)
{
	struct phys_range ro = { PROBE_DATA, PROBE_DATA + PAGE_SIZE, absent };
	struct kvm_run *run = s->vm.cpus[0].run;
	int slots = 1;
	bool mmio;

	if ((!absent && !kvm_has_readonly_mem()) || !set_rbx(s, PROBE_DATA) ||
	    vm_map_ram(&s->vm, &ro, 1, &slots, err) < 0)
		return PROBE_NO;
	mmio = scratch_run(s) == KVM_EXIT_MMIO && run->mmio.is_write == !absent &&
	       run->mmio.phys_addr == PROBE_DATA;
	return yes_if(mmio && exited_to_port(s, scratch_run(s)));
}

/* Kinds of check, each run in a fresh scratch VM. */
enum check { CHECK_RUNS, CHECK_STEP, CHECK_SWBP, CHECK_HWBP, CHECK_WATCH, CHECK_STEP_REP,
	     CHECK_HLT, CHECK_RO_WRITE, CHECK_HOLE_READ };

static enum probe_result run_check(enum check check, enum cpu_mode mode, char *err)
{
	struct scratch s;
	enum probe_result res = PROBE_NO;
	const uint8_t *code = code_out_hlt;
	size_t len = sizeof(code_out_hlt);
	int reason;

	switch (check) {
	case CHECK_RUNS: break;
	case CHECK_STEP:
	case CHECK_HWBP: code = code_nops; len = sizeof(code_nops); break;
	case CHECK_SWBP: code = code_int3; len = sizeof(code_int3); break;
	case CHECK_STEP_REP: code = code_rep; len = sizeof(code_rep); break;
	case CHECK_HLT: code = code_nop_hlt; len = sizeof(code_nop_hlt); break;
	case CHECK_HOLE_READ:
		code = mode == MODE_REAL ? code_load16 : code_load32;
		len = sizeof(code_load32);
		break;
	case CHECK_WATCH:
	case CHECK_RO_WRITE:
		code = mode == MODE_REAL ? code_store16 : code_store32;
		len = sizeof(code_store32);
		break;
	}
	if (scratch_new(&s, mode, code, len, err) < 0)
		return PROBE_UNTESTED;
	if (check == CHECK_SWBP && mode == MODE_REAL) {
		/* IVT entry 3 -> our handler (segment:offset) */
		uint16_t ivt[2] = { PROBE_HANDLER & 0xf, PROBE_HANDLER >> 4 };

		memcpy(s.vm.mem + LAYOUT_IVT + X86_BP * 4, ivt, sizeof(ivt));
		memcpy(s.vm.mem + PROBE_HANDLER, code_handler, sizeof(code_handler));
	}
	switch (check) {
	case CHECK_RUNS:
		reason = scratch_run(&s);
		res = yes_if(exited_to_port(&s, reason) && scratch_run(&s) == KVM_EXIT_HLT);
		break;
	case CHECK_STEP:
		if (set_debug(&s, KVM_GUESTDBG_SINGLESTEP, 0, 0)) {
			reason = scratch_run(&s);
			res = yes_if(reason == KVM_EXIT_DEBUG &&
				     s.vm.cpus[0].run->debug.arch.pc == PROBE_CODE + 1);
		}
		break;
	case CHECK_STEP_REP:
		res = step_rep_result(&s);
		break;
	case CHECK_HLT:
		res = yes_if(scratch_run(&s) == KVM_EXIT_HLT);
		break;
	case CHECK_RO_WRITE:
		res = ro_write_result(&s, err, false);
		break;
	case CHECK_HOLE_READ:
		res = ro_write_result(&s, err, true);
		break;
	case CHECK_SWBP:
		if (set_debug(&s, KVM_GUESTDBG_USE_SW_BP, 0, 0)) {
			reason = scratch_run(&s);
			res = yes_if(reason == KVM_EXIT_DEBUG &&
				     s.vm.cpus[0].run->debug.arch.exception == X86_BP);
		}
		break;
	case CHECK_HWBP: {
		uint64_t dr7 = DR7_L(0) | ((uint64_t)DR7_RW_EXEC << DR7_RW_SHIFT(0)) |
			       ((uint64_t)DR7_LEN_1 << DR7_LEN_SHIFT(0));

		if (set_debug(&s, KVM_GUESTDBG_USE_HW_BP, PROBE_CODE + 1, dr7)) {
			reason = scratch_run(&s);
			res = yes_if(reason == KVM_EXIT_DEBUG &&
				     s.vm.cpus[0].run->debug.arch.pc == PROBE_CODE + 1);
		}
		break;
	}
	case CHECK_WATCH: {
		uint64_t dr7 = DR7_L(0) | ((uint64_t)DR7_RW_WRITE << DR7_RW_SHIFT(0)) |
			       ((uint64_t)DR7_LEN_4 << DR7_LEN_SHIFT(0));

		if (set_rbx(&s, PROBE_DATA) &&
		    set_debug(&s, KVM_GUESTDBG_USE_HW_BP, PROBE_DATA, dr7)) {
			reason = scratch_run(&s);
			res = yes_if(reason == KVM_EXIT_DEBUG);
		}
		break;
	}
	}
	vm_destroy(&s.vm);
	return res;
}

/* Put the scratch vCPU in ring 3 of long mode: user pages, CPL 3, IOPL 3
 * so that `out` is allowed. */
static int enter_ring3(struct scratch *s)
{
	struct kvm_sregs sr;
	struct kvm_regs r;
	uint64_t *pml4 = (uint64_t *)(s->vm.mem + LAYOUT_PML4);
	uint64_t *pdpt = (uint64_t *)(s->vm.mem + LAYOUT_PDPT);
	uint64_t *pd = (uint64_t *)(s->vm.mem + LAYOUT_PD);
	int fd = s->vm.cpus[0].fd;

	pml4[0] |= PTE_US;
	pdpt[0] |= PTE_US;
	pd[0] |= PTE_US;
	if (ioctl(fd, KVM_GET_SREGS, &sr) < 0 || ioctl(fd, KVM_GET_REGS, &r) < 0)
		return -1;
	sr.cs.dpl = 3;
	sr.cs.selector |= 3;
	sr.ss.dpl = 3;
	sr.ss.selector |= 3;
	sr.ds.dpl = sr.es.dpl = 3;
	r.rflags |= 3ULL << RFLAGS_IOPL_SHIFT;
	if (ioctl(fd, KVM_SET_SREGS, &sr) < 0 || ioctl(fd, KVM_SET_REGS, &r) < 0)
		return -1;
	return 0;
}

/* Can a 32-bit protected-mode guest turn on 32-bit paging? */
static enum probe_result check_paging32(char *err)
{
	struct scratch s;
	struct kvm_sregs sr;
	uint32_t *pd, *pt;
	enum probe_result res = PROBE_UNTESTED;

	if (scratch_new(&s, MODE_PROTECTED, code_paging32, sizeof(code_paging32), err) < 0)
		return res;
	pd = (uint32_t *)(s.vm.mem + PROBE_PD);
	pt = (uint32_t *)(s.vm.mem + PROBE_PT);
	pd[0] = PROBE_PT | PTE_P | PTE_RW;
	for (uint32_t i = 0; i < PT_ENTRIES; i++)
		pt[i] = (i * PAGE_SIZE) | PTE_P | PTE_RW;
	if (ioctl(s.vm.cpus[0].fd, KVM_GET_SREGS, &sr) == 0) {
		sr.cr3 = PROBE_PD;
		if (ioctl(s.vm.cpus[0].fd, KVM_SET_SREGS, &sr) == 0)
			res = yes_if(exited_to_port(&s, scratch_run(&s)));
	}
	vm_destroy(&s.vm);
	return res;
}

/* 32-bit: int 0x30 (to a handler that is just iretd), then out/hlt. */
static const uint8_t code_int30[] = { 0xcd, 0x30, OUT_E9, OP_HLT };
static const uint8_t code_iretd[] = { 0xcf };
#define PROBE_VECTOR 0x30
#define PROBE_IDT_LIMIT (256 * 8 - 1)
#define GATE_INT32_PRESENT 0x8E   /* P, DPL 0, 32-bit interrupt gate */
#define PROBE_MAX_COMPLETIONS 4   /* int and iretd, with room to spare */

/* Do `int N` and `iretd` work in 32-bit protected mode ring 0, by KVM
 * alone or with kvm-vmm completing what KVM could not emulate
 * (x86/complete.c)? */
static void check_int32(char *err)
{
	struct scratch s;
	struct kvm_sregs sr;
	uint8_t *gate;
	int reason, completions = 0;

	caps.int32 = PROBE_UNTESTED;
	if (scratch_new(&s, MODE_PROTECTED, code_int30, sizeof(code_int30), err) < 0)
		return;
	memcpy(s.vm.mem + PROBE_HANDLER, code_iretd, sizeof(code_iretd));
	gate = s.vm.mem + PROBE_DATA + PROBE_VECTOR * 8;
	gate[0] = PROBE_HANDLER & 0xff;
	gate[1] = PROBE_HANDLER >> 8;
	gate[2] = LAYOUT_SEL_CODE32;
	gate[5] = GATE_INT32_PRESENT;
	if (ioctl(s.vm.cpus[0].fd, KVM_GET_SREGS, &sr) == 0) {
		sr.idt.base = PROBE_DATA;
		sr.idt.limit = PROBE_IDT_LIMIT;
		if (ioctl(s.vm.cpus[0].fd, KVM_SET_SREGS, &sr) == 0) {
			while ((reason = scratch_run(&s)) == KVM_EXIT_INTERNAL_ERROR &&
			       completions < PROBE_MAX_COMPLETIONS &&
			       x86_complete_failed_instruction(&s.vm.cpus[0]))
				completions++;
			caps.int32 = yes_if(exited_to_port(&s, reason));
			caps.int32_completed = completions > 0;
		}
	}
	vm_destroy(&s.vm);
}

static void check_ring3(char *err)
{
	struct scratch s;

	caps.ring3_runs = caps.ring3_debug = PROBE_UNTESTED;
	if (scratch_new(&s, MODE_LONG, code_out_hlt, sizeof(code_out_hlt), err) < 0)
		return;
	if (enter_ring3(&s) == 0)
		caps.ring3_runs = yes_if(exited_to_port(&s, scratch_run(&s)));
	vm_destroy(&s.vm);

	if (scratch_new(&s, MODE_LONG, code_nops, sizeof(code_nops), err) < 0)
		return;
	if (enter_ring3(&s) == 0 && set_debug(&s, KVM_GUESTDBG_SINGLESTEP, 0, 0))
		caps.ring3_debug = yes_if(scratch_run(&s) == KVM_EXIT_DEBUG);
	vm_destroy(&s.vm);
}

/* Run `code` with its loop count patched to n; seconds until the first
 * exit that is not an `out` to the console, counting those exits. */
static double time_code(const uint8_t *code, size_t len, uint32_t n, bool ring3, bool until_out,
			char *err)
{
	struct scratch s;
	uint8_t buf[32];
	double t0, t = -1;
	int reason;

	memcpy(buf, code, len);
	memcpy(buf + LOOP_COUNT_OFFSET, &n, sizeof(n));
	if (scratch_new(&s, MODE_LONG, buf, len, err) < 0)
		return -1;
	if (ring3 && enter_ring3(&s) < 0)
		goto out;
	t0 = vmm_now();
	do {
		reason = ioctl(s.vm.cpus[0].fd, KVM_RUN, 0) < 0 ? -1 : (int)s.vm.cpus[0].run->exit_reason;
	} while (!until_out && exited_to_port(&s, reason));
	if (reason == (until_out ? KVM_EXIT_IO : KVM_EXIT_HLT))
		t = vmm_now() - t0;
out:
	vm_destroy(&s.vm);
	return t;
}

static void measure(char *err)
{
	double t;

	t = time_code(code_out_loop, sizeof(code_out_loop), PROBE_EXIT_LOOPS, false, false, err);
	caps.exit_us = t > 0 ? t / PROBE_EXIT_LOOPS * 1e6 : 0;
	t = time_code(code_loop, sizeof(code_loop), PROBE_RING0_LOOPS, false, true, err);
	caps.ring0_ns = t > 0 ? t / PROBE_RING0_LOOPS * 1e9 : 0;
	if (caps.ring3_runs == PROBE_YES) {
		t = time_code(code_loop, sizeof(code_loop), PROBE_RING3_LOOPS, true, true, err);
		caps.ring3_ns = t > 0 ? t / PROBE_RING3_LOOPS * 1e9 : 0;
	}
}

const struct host_caps *probe_host(bool timing, char *err)
{
	struct sigaction sa, old;

	if (probed && (timed || !timing))
		return &caps;
	if (kvm_open(err) < 0 || !make_run_timer(err))
		return NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = alarm_handler;   /* no SA_RESTART: KVM_RUN returns EINTR */
	sigaction(SIGALRM, &sa, &old);
	if (!probed) {
		caps.pvm = host_is_pvm();
		caps.hw_virt = cpu_has_hw_virt();
		caps.blockirq = (ioctl(kvm_fd(), KVM_CHECK_EXTENSION, KVM_CAP_SET_GUEST_DEBUG2) &
				 KVM_GUESTDBG_BLOCKIRQ) != 0;
		caps.sync_sregs = (ioctl(kvm_fd(), KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) &
				   KVM_SYNC_X86_SREGS) != 0;
		for (int m = MODE_REAL; m <= MODE_LONG; m++) {
			caps.runs[m] = run_check(CHECK_RUNS, m, err);
			caps.single_step[m] = run_check(CHECK_STEP, m, err);
			caps.sw_bp[m] = run_check(CHECK_SWBP, m, err);
			caps.hw_bp[m] = run_check(CHECK_HWBP, m, err);
			caps.hw_watch[m] = run_check(CHECK_WATCH, m, err);
			caps.step_rep[m] = run_check(CHECK_STEP_REP, m, err);
			caps.hlt_exits[m] = run_check(CHECK_HLT, m, err);
			caps.ro_write[m] = run_check(CHECK_RO_WRITE, m, err);
			caps.hole_read[m] = run_check(CHECK_HOLE_READ, m, err);
		}
		caps.paging32 = check_paging32(err);
		check_int32(err);
		check_ring3(err);
		probed = true;
	}
	if (timing && !timed) {
		measure(err);
		timed = true;
	}
	sigaction(SIGALRM, &old, NULL);
	timer_delete(run_timer);
	return &caps;
}

static const char *result_word(enum probe_result r)
{
	return r == PROBE_YES ? "yes" : r == PROBE_NO ? "no" : "untested";
}

static bool yes_in_every_mode(const enum probe_result r[CPU_MODES])
{
	for (int m = 0; m < CPU_MODES; m++)
		if (r[m] != PROBE_YES)
			return false;
	return true;
}

/* Which mechanism the gdb stub uses for each kind of breakpoint and
 * watchpoint (vmm/gdb/mechanism.c makes the same choice). */
static void print_mechanisms(const struct host_caps *c)
{
	const char *patched = yes_in_every_mode(c->sw_bp) ? "`int3` patched into the code"
			      : yes_in_every_mode(c->hlt_exits)
				      ? "`hlt` patched into the code (with --irqchip: "
					"single-step-and-compare)"
				      : "single-step-and-compare";
	bool hw_watch = c->hw_watch[MODE_LONG] == PROBE_YES;

	printf("\ngdb stub mechanisms on this host:\n");
	printf("  breakpoints: %s%s\n",
	       c->hw_bp[MODE_LONG] == PROBE_YES ? "the 4 debug registers, then " : "", patched);
	printf("  write watchpoints: %s%s\n",
	       hw_watch ? "debug registers (1, 2, 4 or 8 aligned bytes), then " : "",
	       yes_in_every_mode(c->ro_write) && kvm_has_readonly_mem()
		       ? "read-only memory pages (with --smp: single-step-and-compare)"
		       : "single-step-and-compare");
	printf("  read and access watchpoints: %s%s\n",
	       hw_watch ? "debug registers (up to 4), then " : "",
	       yes_in_every_mode(c->hole_read)
		       ? "unmapped memory pages (not where code runs; not with --smp)"
		       : hw_watch ? "not supported" : "not supported (no data breakpoints)");
}

void probe_print(const struct host_caps *c)
{
	printf("kvm-vmm host check\n\n");
	printf("host: %s\n", c->pvm ? "nested PVM (/sys/module/kvm_pvm): ring-0 guest code is "
				     "emulated, ring-3 code runs natively"
			  : c->hw_virt ? "hardware virtualization (VT-x/AMD-V)"
				       : "KVM without vmx/svm flags (nested or unusual host)");
	printf("\n| ring 0 (kernel mode)                  | real | protected | long |\n");
	printf("|---------------------------------------|------|-----------|------|\n");
#define ROW(name, field) \
	printf("| %-37s | %-4s | %-9s | %-4s |\n", name, result_word(c->field[MODE_REAL]), \
	       result_word(c->field[MODE_PROTECTED]), result_word(c->field[MODE_LONG]))
	ROW("guest code runs, `out` exits", runs);
	ROW("single-step (KVM_GUESTDBG_SINGLESTEP)", single_step);
	ROW("int3 exits (KVM_GUESTDBG_USE_SW_BP)", sw_bp);
	ROW("hardware execute breakpoints", hw_bp);
	ROW("hardware data watchpoints", hw_watch);
	ROW("single-step: one `rep` iteration", step_rep);
	ROW("hlt exits (no --irqchip)", hlt_exits);
	ROW("write to read-only memory slot exits", ro_write);
	ROW("read where no memory slot is exits", hole_read);
#undef ROW
	printf("| %-37s | %-4s | %-9s | %-4s |\n", "32-bit paging (CR0.PG, no PAE/LME)", "-",
	       result_word(c->paging32), "-");
	printf("| %-37s | %-4s | %-9s | %-4s |\n", "int N and iretd (32-bit IDT)", "-",
	       c->int32 == PROBE_YES && c->int32_completed ? "kvm-vmm" : result_word(c->int32), "-");
	printf("\n| ring 3 (user mode, in long mode)      |      |\n");
	printf("|---------------------------------------|------|\n");
	printf("| user code runs                        | %-4s |\n", result_word(c->ring3_runs));
	printf("| user code can be single-stepped       | %-4s |\n", result_word(c->ring3_debug));
	printf("\nKVM_GUESTDBG_BLOCKIRQ: %s\n", c->blockirq ? "yes" : "no");
	printf("sync regs (segment registers at each exit): %s\n", c->sync_sregs ? "yes" : "no");
	if (c->exit_us > 0)
		printf("exit round trip (out to port 0xE9): %.2f us\n", c->exit_us);
	if (c->ring0_ns > 0)
		printf("ring-0 `loop` iteration: %.1f ns\n", c->ring0_ns);
	if (c->ring3_ns > 0)
		printf("ring-3 `loop` iteration: %.2f ns\n", c->ring3_ns);
	print_mechanisms(c);
}
