/*
 * setup.c - `--gdb [HOST:]PORT`: listen for gdb, wire the KVM target
 * (stop.c, target.c) into the protocol (gdbstub/), run the protocol's
 * server loop on its own thread, and take it all down at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "gdb/gdb.h"
#include "options.h"

#define EXIT_REPORT_WAIT_S 2   /* at exit: time for gdb to read the W packet */
#define HOST_LEN 64

static void *server_thread(void *arg)
{
	struct gdb_vm *g = arg;

	if (gdb_serve(g->listen_fd, &g->target, g->quit_fd) < 0) {
		int e = errno;

		vmm_msg(g->vm, "gdb: cannot accept a connection: %s%s", strerror(e),
			vmm_errno_hint(e));
		vm_end(g->vm, STATUS_FAULT);
	}
	return NULL;
}

/* Free what gdb_start made; safe at any point of it. */
static void free_gdb_vm(struct vm *vm, struct gdb_vm *g)
{
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	if (g->stop_fd >= 0)
		close(g->stop_fd);
	if (g->quit_fd >= 0)
		close(g->quit_fd);
	gdb_bp_clear(g);
	gdb_rec_stop(g);
	free(g->ro);
	free(g->code_pages);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->cond);
	for (int i = 0; i < vm->ncpus; i++) {
		free(vm->cpus[i].debug);
		vm->cpus[i].debug = NULL;
	}
	vm->debug = NULL;
	free(g);
}

int gdb_start(struct vm *vm, const char *spec, bool no_wait, char *err)
{
	struct gdb_vm *g;
	uint16_t port;
	char reason[VMM_ERR_LEN];
	const char *colon = strrchr(spec, ':');
	char host[HOST_LEN] = "127.0.0.1";
	int e, ret = -1;

	g = calloc(1, sizeof(*g));
	if (!g)
		return vmm_fail(err, "out of memory");
	g->vm = vm;
	g->listen_fd = g->stop_fd = g->quit_fd = -1;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->cond, NULL);
	g->caps = probe_host(false, err);
	if (!g->caps)
		goto fail;
	gdb_mech_init(g);
	g->listen_fd = gdb_listen(spec, &port, reason, sizeof(reason));
	if (g->listen_fd < 0) {
		vmm_fail(err, "%s", reason);
		ret = STATUS_USAGE;   /* a bad spec or a port in use */
		goto fail;
	}
	if (colon && colon != spec && (size_t)(colon - spec) < sizeof(host))
		snprintf(host, sizeof(host), "%.*s", (int)(colon - spec), spec);
	g->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g->quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g->stop_fd < 0 || g->quit_fd < 0) {
		vmm_fail(err, "cannot create the debugger's event descriptors: %s%s", strerror(errno),
			 vmm_errno_hint(errno));
		goto fail;
	}
	g->stopping = !no_wait;   /* wait for gdb before the first instruction */
	atomic_store(&vm->stop_wanted, !no_wait);
	for (int i = 0; i < vm->ncpus; i++) {
		vm->cpus[i].debug = calloc(1, sizeof(struct gdb_vcpu));
		if (!vm->cpus[i].debug) {
			vmm_fail(err, "out of memory");
			goto fail;
		}
		vm->cpus[i].debug->action = no_wait ? GDB_ACTION_CONTINUE : GDB_ACTION_STOP;
	}
	g->target = (struct gdb_target){
		.opaque = g,
		.arch = vm->image.elf_class == 64 ? GDB_ARCH_AMD64 : GDB_ARCH_I386,
		.xml_arch = vm->image.elf_class == 64 ? "i386:x86-64"
			    : vm->mode == MODE_REAL ? "i8086" : "i386",
		.ncpus = vm->ncpus,
		.expedite = true,
		.can_reverse = vmm_record_refusal(vm->ncpus, vm->irqchip) == NULL,
		.write = NULL,   /* gdb_serve() writes to its socket */
		.stop_fd = g->stop_fd,
	};
	gdb_state_callbacks(&g->target);
	gdb_stop_callbacks(&g->target);
	vm->debug = g;
	e = vmm_thread_start(&g->server, server_thread, g);
	if (e) {
		vmm_fail(err, "cannot start the gdb server thread: %s%s", strerror(e),
			 vmm_errno_hint(e));
		goto fail;
	}
	g->server_started = true;
	fprintf(stderr, "gdb: listening on %s:%u\n", host, port);
	return 0;
fail:
	atomic_store(&vm->stop_wanted, false);
	free_gdb_vm(vm, g);
	return ret;
}

void gdb_stop(struct vm *vm)
{
	struct gdb_vm *g = vm->debug;
	uint64_t one = 1;
	struct timespec deadline;

	if (!g)
		return;
	/* Let an attached gdb see the guest's exit (W packet) first. */
	deadline = vmm_deadline(EXIT_REPORT_WAIT_S);
	pthread_mutex_lock(&g->lock);
	while (g->attached && g->stop_pending)
		if (pthread_cond_timedwait(&g->cond, &g->lock, &deadline) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&g->lock);
	if (write(g->quit_fd, &one, sizeof(one)) < 0)
		vmm_msg(vm, "gdb: cannot stop the server: %s", strerror(errno));
	if (g->server_started)
		pthread_join(g->server, NULL);
	free_gdb_vm(vm, g);
}
