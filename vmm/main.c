/*
 * main.c - kvm-vmm's entry point: parse the command line, create one VM
 * per guest, load it, set up its CPU, run every vCPU and turn the guests'
 * ends into an exit status. The only place errors become messages.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "pc/pc.h"
#include "gdb/gdb.h"
#include "loader.h"
#include "options.h"
#include "probe.h"
#include "vmm.h"

/* At exit after --timeout or a signal: how long queued output may take
 * to reach a stdout that makes no progress. */
#define OUTPUT_GRACE_SECONDS 1.0

/* If stdin, stdout or stderr is closed, point it at /dev/null: otherwise
 * the next descriptor we open (an eventfd, a socket) would become "stdout"
 * and guest output would be written into it. */
static void keep_standard_fds(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			_exit(STATUS_FAULT);
}

/* Create, load and set up guest number `index` from `path`. Returns 0,
 * STATUS_USAGE for a guest file that cannot run, or -1 (host failure). */
static int setup_guest(struct vmm *vmm, int index, const char *path, char *err)
{
	const struct vmm_options *o = vmm->opts;
	struct vm *vm = &vmm->vms[index];
	struct load_options lo = { o->load_addr, o->entry, o->entry_given };
	char reason[VMM_ERR_LEN];

	vm->vmm = vmm;
	vm->index = index;
	vm->path = path;
	if (vm_create(vm, o->mem_size, o->smp, o->irqchip, err) < 0)
		return -1;
	if (o->disk)   /* a PC: the BIOS boots the disk */
		return bios_boot_setup(vm, o, err);
	errno = 0;
	if (load_guest(path, vm->mem, vm->mem_size, &lo, &vm->image, err) < 0) {
		int e = errno;

		if (*vmm_errno_hint(e) == '\0')
			return STATUS_USAGE;   /* the file is at fault */
		snprintf(reason, sizeof(reason), "%s", err);
		vmm_fail(err, "%s%s", reason, vmm_errno_hint(e));
		return -1;             /* the host ran out of something */
	}
	vm->mode = o->mode_given ? o->mode : image_default_mode(&vm->image);
	if (vm->image.kind == IMAGE_MULTIBOOT && vm->mode != MODE_PROTECTED) {
		vmm_fail(err, "%s: a Multiboot kernel starts in protected mode; drop --mode", path);
		return STATUS_USAGE;
	}
	if (image_check_layout(&vm->image, vm->mode, reason) < 0) {
		vmm_fail(err, "%s: %s", path, reason);
		return STATUS_USAGE;
	}
	cpu_write_tables(vm->mem, vm->mem_size, vm->mode);
	for (int i = 0; i < vm->ncpus; i++) {
		if (cpu_setup(&vm->cpus[i], vm->mode, vm->image.entry, err) < 0)
			return -1;
		if (vm->image.kind == IMAGE_MULTIBOOT && cpu_setup_multiboot(&vm->cpus[i], err) < 0)
			return -1;
	}
	return 0;
}

static int check_host(void)
{
	char err[VMM_ERR_LEN];
	const struct host_caps *caps = probe_host(true, err);

	if (!caps) {
		fprintf(stderr, VMM_NAME ": %s\n", err);
		return STATUS_FAULT;
	}
	probe_print(caps);
	return STATUS_OK;
}

/* The process status: the first non-zero guest status, else 0. */
static int overall_status(const struct vmm *vmm)
{
	for (int g = 0; g < vmm->nvms; g++) {
		int s = atomic_load(&vmm->vms[g].status);

		if (s != STATUS_OK)
			return s;
	}
	return STATUS_OK;
}

/*
 * SIGINT, SIGTERM and SIGHUP end the guests cleanly (their output is
 * written, gdb is told): they are blocked in every thread and read from a
 * signalfd by main(). Without a descriptor for it they keep their default
 * action, which ends the process too. Signals ignored by the parent (a
 * background job's SIGINT) stay ignored.
 */
static int catch_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd >= 0)
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	return fd;
}

int main(int argc, char **argv)
{
	struct vmm_options opts;
	struct vmm vmm;
	char err[VMM_ERR_LEN];
	double start;
	int status = STATUS_OK, sigfd = -1;
	bool ran = false;

	keep_standard_fds();
	start = vmm_now();

	switch (vmm_parse_args(argc, argv, &opts, err)) {
	case PARSE_HELP:
		fputs(vmm_usage(), stdout);
		return STATUS_OK;
	case PARSE_VERSION:
		printf(VMM_NAME " " VMM_VERSION "\n");
		return STATUS_OK;
	case PARSE_ERROR:
		fprintf(stderr, VMM_NAME ": %s\n", err);
		return STATUS_USAGE;
	case PARSE_RUN:
		break;
	}
	if (opts.check_host)
		return check_host();

	signal(SIGPIPE, SIG_IGN);   /* a closed stdout or gdb socket is not fatal */
	vcpu_kick_init();
	memset(&vmm, 0, sizeof(vmm));
	vmm.opts = &opts;
	vmm.color = isatty(STDOUT_FILENO);
	pthread_mutex_init(&vmm.lock, NULL);
	vmm.done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	vmm.vms = calloc(opts.nguests, sizeof(*vmm.vms));
	if (vmm.done_fd < 0 || !vmm.vms) {
		fprintf(stderr, VMM_NAME ": cannot start: %s%s\n", strerror(errno),
			vmm_errno_hint(errno));
		return STATUS_FAULT;
	}
	sigfd = catch_signals();
	vmm.nvms = opts.nguests;
	if (pc_init(&vmm, err) < 0) {
		fprintf(stderr, VMM_NAME ": %s\n", err);
		return STATUS_FAULT;
	}
	for (int g = 0; g < vmm.nvms; g++) {
		int ret = setup_guest(&vmm, g, opts.guests[g], err);

		if (ret != 0) {
			fprintf(stderr, VMM_NAME ": %s\n", err);
			status = ret > 0 ? ret : STATUS_FAULT;
			vmm.nvms = g + 1;
			goto out;
		}
	}
	if (opts.gdb) {
		int ret = gdb_start(&vmm.vms[0], opts.gdb, opts.gdb_no_wait, err);

		if (ret != 0) {
			fprintf(stderr, VMM_NAME ": --gdb %s: %s\n", opts.gdb, err);
			status = ret > 0 ? ret : STATUS_FAULT;
			goto out;
		}
		gdb_record_setup(&vmm.vms[0], opts.record, opts.record_limit_mib);
	}
	screen_start(&vmm);
	if (vmm_start(&vmm, err) < 0)
		fprintf(stderr, VMM_NAME ": %s\n", err);
	vmm_wait(&vmm, opts.timeout, sigfd);
	ran = true;
	gdb_stop(&vmm.vms[0]);
	screen_finish(&vmm);   /* every vCPU has stopped, whatever the reason */
	status = overall_status(&vmm);
	/* Ended by --timeout or a signal: a stuck stdout must not hold us. */
	console_stop(status == STATUS_TIMEOUT || status > STATUS_SIGNAL_BASE ? OUTPUT_GRACE_SECONDS
									     : -1, sigfd);
	if (opts.stats)
		stats_print(&vmm, vmm_now() - start);
out:
	for (int g = 0; g < vmm.nvms; g++)
		vm_end(&vmm.vms[g], status);   /* no-op for guests that ended */
	console_stop(OUTPUT_GRACE_SECONDS, sigfd);   /* no-op unless it returned early */
	input_stop();
	for (int g = 0; g < vmm.nvms; g++) {
		if (ran)
			vm_forget(&vmm.vms[g]);   /* exit releases the VMs at once */
		else
			vm_destroy(&vmm.vms[g]);
	}
	pc_release(&vmm);
	free(vmm.vms);
	close(vmm.done_fd);
	if (sigfd >= 0)
		close(sigfd);
	return status;
}
