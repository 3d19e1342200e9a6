#include <string.h>

#include "cpus.h"
#include "gic.h"
#include "hostblk.h"
#include "hyp_irq.h"
#include "hyp_lock.h"
#include "locks.h"
#include "hyp_timer.h"
#include "iosched.h"
#include "percpu.h"
#include "psci.h"
#include "sched_log.h"
#include "shell.h"
#include "stage2.h"
#include "sysregs.h"
#include "vcpu_context.h"
#include "vgic.h"
#include "vm.h"
#include "vm_irq.h"
#include "vm_sched.h"
#include "vm_timer.h"
#include "vuart.h"

/* CNTHCTL_EL2: EL1 may read the physical counter and use its physical timer
 * (EL1PCTEN, EL1PCEN); the timer is switched with the VM (vm_timer.h). */
#define CNTHCTL_EL1PCTEN	(1UL << 0)
#define CNTHCTL_EL1PCEN		(1UL << 1)

spinlock_t hyp_lock;

static struct vm vms[MAX_VMS];
static int nr_vms;
static int current_slot[MAX_CPUS];	/* each CPU's vCPU, running or last run */
/* CNTVOFF_EL2, the same on every CPU: a VM's vCPUs read one virtual count. */
static uint64_t virtual_offset;

/* The VM whose guest code each CPU may be running (its VTTBR_EL2's), or NULL. */
static struct vm *volatile loaded[MAX_CPUS];
/* VMs being stopped, their CPU waiting without the lock for the others to
 * let go of them (vm_quiesce): not yet gone, though not running. */
static int quiescing;

#define current		current_slot[this_cpu()]

static unsigned int next_id;

struct vm *vms_add(void)
{
	int i = 0;

	while (i < nr_vms && vms[i].state != VM_FREE)
		i++;
	if (i == MAX_VMS)
		return 0;
	if (i == nr_vms)
		nr_vms++;
	memset(&vms[i], 0, sizeof(vms[i]));
	vms[i].id = next_id++;
	return &vms[i];
}

void vms_release(struct vm *vm)
{
	vm->state = VM_FREE;
	while (nr_vms && vms[nr_vms - 1].state == VM_FREE)
		nr_vms--;
}

struct vm *vm_by_id(unsigned int id)
{
	for (int i = 0; i < nr_vms; i++)
		if (vms[i].state != VM_FREE && vms[i].id == id)
			return &vms[i];
	return 0;
}

struct vm *vm_at(int place)
{
	return place < nr_vms && vms[place].state != VM_FREE ? &vms[place] : 0;
}

/* The vCPUs in the scheduler's order: slot place * MAX_VCPUS + index. */
#define NR_SLOTS	(nr_vms * MAX_VCPUS)

static struct vcpu *at_slot(int slot)
{
	return &vms[slot / MAX_VCPUS].vcpus[slot % MAX_VCPUS];
}

struct vcpu *vcpu_current(void)
{
	return at_slot(current);
}

struct vm *vm_current(void)
{
	return &vms[current / MAX_VCPUS];
}

/* Makes the vCPU in `next` the running one: its registers into `frame`, its
 * EL1 and virtual interrupt state and its VM's stage-2 tables into the CPU. */
static void switch_to(int next, struct trap_frame *frame)
{
	struct vcpu *vcpu = at_slot(next);

	current = next;
	loaded[this_cpu()] = vcpu->vm;
	sched_log_note(vcpu->vm->id, vcpu->index);
	hyp_timer_resume();
	*frame = vcpu->regs;
	vcpu_load_el1(&vcpu->sys);
	__asm__ volatile("isb");	/* the timers' ISTATUS follows what was loaded */
	vm_timers_sample(vcpu);
	vgic_load(&vcpu->vgic);
	WRITE_SYSREG(vmpidr_el2, vcpu->vmpidr);
	WRITE_SYSREG(cntvoff_el2, virtual_offset);
	WRITE_SYSREG(hcr_el2, vcpu->vm->hcr);
	WRITE_SYSREG(vttbr_el2, vcpu->vm->vttbr);
	__asm__ volatile("isb");
}

/* The running vCPU's state back into its struct vcpu. */
static void save_current(struct trap_frame *frame)
{
	struct vcpu *vcpu = vcpu_current();

	vcpu->regs = *frame;
	vcpu_save_el1(&vcpu->sys);
	vm_irq_save(vcpu);
}

/* A vCPU that exists and is on, of a VM that runs, placed on this CPU. */
static int alive(int slot)
{
	const struct vm *vm = &vms[slot / MAX_VCPUS];
	unsigned int index = slot % MAX_VCPUS;

	return vm->state == VM_RUNNING && index < vm->nr_vcpus && vm->vcpus[index].on &&
	       vm->vcpus[index].pcpu == this_cpu();
}

/* Whether every vCPU there is runs on the boot CPU. */
static int one_cpu(void)
{
	for (int slot = 0; slot < NR_SLOTS; slot++)
		if (vms[slot / MAX_VCPUS].state != VM_FREE &&
		    slot % MAX_VCPUS < (int)vms[slot / MAX_VCPUS].nr_vcpus && at_slot(slot)->pcpu)
			return 0;
	return 1;
}

static int any_vm_running(void)
{
	for (int i = 0; i < nr_vms; i++)
		if (vms[i].state == VM_RUNNING)
			return 1;
	return 0;
}

static int runnable(int slot)
{
	return alive(slot) && !at_slot(slot)->waiting;
}

/* The vCPUs waiting in WFI: their timer lines from their saved registers
 * (the CPU's timers are another's, or none's, meanwhile); one with an
 * interrupt due wakes. */
static void sample_waiting_timers(void)
{
	for (int slot = 0; slot < NR_SLOTS; slot++) {
		if (!alive(slot) || !at_slot(slot)->waiting)
			continue;
		vm_timers_sample_saved(at_slot(slot));
		if (vgic_has_pending(&at_slot(slot)->vgic))
			at_slot(slot)->waiting = 0;
	}
}

static int next_runnable(void)
{
	sample_waiting_timers();
	for (int step = 1; step <= NR_SLOTS; step++) {
		int candidate = (current + step) % NR_SLOTS;

		if (runnable(candidate))
			return candidate;
	}
	return -1;
}

/* The guests do not see the host disk work: however long the host took (and
 * under -icount, however many times the wait loop ran meanwhile: host
 * timing), their virtual counter stood still (CNTVOFF_EL2 grows by it), and
 * the next timeslice starts afresh. So a guest's timer interrupts land at
 * the same instruction in every run under -icount. */
static void hide_host_io(void)
{
	uint64_t waited = hostblk_take_waited();

	/* Only where every vCPU runs on this CPU: on another, a guest's time
	 * went on meanwhile, and must not go back. */
	if (!waited || !one_cpu())
		return;
	virtual_offset += waited;
	WRITE_SYSREG(cntvoff_el2, virtual_offset);
	hyp_timer_rearm();
}

/* The next runnable vCPU, if another, into `frame`. */
static void switch_if_other(struct trap_frame *frame)
{
	int next = next_runnable();

	if (next >= 0 && next != current)
		switch_to(next, frame);
	else
		vgic_load(&vcpu_current()->vgic);	/* an interrupt raised meanwhile */
}

void vm_schedule(struct trap_frame *frame)
{
	save_current(frame);
	if (this_cpu() == 0)	/* the I/O scheduler's clock: one CPU's ticks */
		iosched_tick();
	hide_host_io();
	switch_if_other(frame);
}

void vm_yield(struct trap_frame *frame)
{
	save_current(frame);
	switch_if_other(frame);
}

void vm_wait(struct trap_frame *frame)
{
	struct vcpu *vcpu = vcpu_current();

	save_current(frame);
	if (vgic_has_pending(&vcpu->vgic)) {
		vgic_load(&vcpu->vgic);
		return;
	}
	vcpu->waiting = 1;
	vuart_waiting(vcpu->vm);
	vm_run_next(frame);
}

void vcpu_off(struct trap_frame *frame)
{
	save_current(frame);
	vcpu_current()->on = 0;
	vm_run_next(frame);
}

/* A waiting vCPU that no interrupt the hypervisor sees could wake: its
 * guest enabled none (a WFI as a pause), or its VM has a device passed
 * through, whose interrupt is not forwarded. It is woken a tick after its
 * CPU went idle, as a WFI may end at any time. */
static int deaf(int slot)
{
	const struct vcpu *vcpu = at_slot(slot);

	return alive(slot) && vcpu->waiting &&
	       (!vgic_can_wake(&vcpu->vgic) || vcpu->vm->cfg->passthrough_size);
}

/* When an idle CPU must look at its waiting vCPUs again (a counter value):
 * the first of their timers to expire, or a tick on for a deaf one, and a
 * second on at the latest; ~0 with no vCPU to wait for: only when an
 * interrupt comes (a kick, the shell's input). The second bounds what an
 * idle guest's far timer makes of counted time: QEMU moves its clock to the
 * next deadline at once when every CPU sleeps, and an idle Zephyr asks for
 * one months on each time (its clock would overflow within a run). */
static uint64_t idle_until(void)
{
	uint64_t now = read_counter(), latest = now + READ_SYSREG(cntfrq_el0), until = ~0UL;

	for (int slot = 0; slot < NR_SLOTS; slot++) {
		uint64_t at;

		if (!alive(slot))
			continue;
		at = deaf(slot) ? now + hyp_timer_period()
				: vm_timers_deadline(at_slot(slot), virtual_offset);
		if (at > latest)
			at = latest;
		if (at < until)
			until = at;
	}
	return until;
}

/* Picks the next vCPU to run. With none runnable, queued I/O is dispatched
 * (its completions wake the waiting vCPUs); otherwise the CPU sleeps, with
 * no tick, until a waiting vCPU's timer expires or an interrupt comes (a
 * kick from a CPU that woke one, the shell's input). With no VM left to
 * run, the shell waits for a command, or without one the system powers off. */
void vm_run_next(struct trap_frame *frame)
{
	int next = next_runnable();

	if (next < 0 && iosched_pending()) {
		iosched_round();
		hide_host_io();
		next = next_runnable();
	}
	while (next < 0) {
		uint64_t until = idle_until();

		if (!any_vm_running() && !quiescing && !shell_enabled()) {
#ifdef CONFIG_VM_DYNAMIC_MEMORY
			lock_take(&mem_lock);
			vm_mem_report_stats();
			lock_give(&mem_lock);
#endif
			psci_system_off();
		}
		/* Interrupts stay masked here: they are taken in the VM, or with
		 * none to run on this CPU, handled here. Its timers are no
		 * vCPU's then (each vCPU's are saved). */
		vm_timers_off();
		vgic_off();
		if (until == ~0UL)
			hyp_timer_stop();
		else
			hyp_timer_at(until);
		loaded[this_cpu()] = 0;
		sched_log_note(SCHED_LOG_IDLE, 0);
		spin_unlock(&hyp_lock);
		__asm__ volatile("dsb sy; wfi" ::: "memory");
		hyp_lock_take();
		hyp_irqs_poll();
		for (int slot = 0; slot < NR_SLOTS; slot++)
			if (deaf(slot))
				at_slot(slot)->waiting = 0;
		next = next_runnable();
	}
	switch_to(next, frame);
}

void vm_sched_revisit(struct trap_frame *frame)
{
	struct vm *vm = vm_current();

	if (vm->state == VM_RUNNING)
		return;
	if (vm->state == VM_PAUSED)
		save_current(frame);
	vm_run_next(frame);
}

/* Here, not in vm_irq.c: it runs after every trap, on whichever vCPU the
 * scheduler left current. */
void vm_deliver_irqs(void)
{
	struct vcpu *vcpu = vcpu_current();

	if (vm_current()->state != VM_RUNNING)
		return;
	vm_irq_save(vcpu);
	vgic_load(&vcpu->vgic);
}

void vm_quiesce(struct vm *vm)
{
	quiescing++;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (unsigned int cpu = 0; cpu < cpus_up(); cpu++) {
		if (cpu == this_cpu())
			continue;
		while (loaded[cpu] == vm) {
			spin_unlock(&hyp_lock);
			__asm__ volatile("yield" ::: "memory");
			hyp_lock_take();
		}
	}
	quiescing--;
}

void vcpu_kick(const struct vcpu *vcpu)
{
	if (vcpu->pcpu != this_cpu())
		gic_send_sgi(vcpu->pcpu, SGI_KICK);
}

/* This CPU's part of the EL2 state guests run under. */
static void cpu_setup(void)
{
	WRITE_SYSREG(vtcr_el2, VTCR_EL2_VALUE);
	WRITE_SYSREG(cnthctl_el2, CNTHCTL_EL1PCTEN | CNTHCTL_EL1PCEN);
	WRITE_SYSREG(cntvoff_el2, virtual_offset);
	vgic_init();
}

/* Runs the first vCPU this CPU has, or waits for one: never returns. */
__attribute__((noreturn)) static void run_first(void)
{
	static struct trap_frame first[MAX_CPUS];

	current = nr_vms ? NR_SLOTS - 1 : 0;	/* so that the search starts at VM 0 */
	vm_run_next(&first[this_cpu()]);
	spin_unlock(&hyp_lock);
	enter_guest(&first[this_cpu()], cpu_stack_top(this_cpu()));
}

void vms_run(uint64_t timeslice_us)
{
	hyp_lock_take();
	if (!any_vm_running() && !shell_enabled())
		psci_system_off();
	gic_init();
	cpu_setup();
	hyp_timer_start(timeslice_us);
	vms_started_at = read_counter();
	if (shell_enabled())
		shell_start();
	cpus_release();
	run_first();
}

void vms_run_cpu(void)
{
	hyp_lock_take();
	cpu_setup();
	run_first();	/* its tick starts with its first vCPU (hyp_timer_resume) */
}
