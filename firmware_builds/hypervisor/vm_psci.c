/* PSCI for guests (Arm DEN 0022, version 1.1), called with HVC or SMC:
 * the system's power (SYSTEM_OFF and SYSTEM_RESET stop the VM) and its
 * vCPUs' (CPU_ON, CPU_OFF, AFFINITY_INFO, CPU_SUSPEND). A vCPU's affinity
 * is 0.0.0.<index> (vcpu_reset). */
#include "console.h"
#include "psci.h"
#include "vm.h"
#include "vm_psci.h"
#include "vm_sched.h"

#define PSCI_VERSION		0x84000000UL
#define PSCI_CPU_SUSPEND	0x84000001UL
#define PSCI_CPU_OFF		0x84000002UL
#define PSCI_CPU_ON		0x84000003UL
#define PSCI_AFFINITY_INFO	0x84000004UL
#define PSCI_MIGRATE_INFO_TYPE	0x84000006UL
#define PSCI_SYSTEM_RESET	0x84000009UL
#define PSCI_FEATURES		0x8400000aUL
#define PSCI_SMC64		0x40000000UL	/* the 64-bit calls' bit */

#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	((uint64_t)-1)
#define PSCI_INVALID_PARAMETERS	((uint64_t)-2)
#define PSCI_ALREADY_ON		((uint64_t)-4)
#define PSCI_INVALID_ADDRESS	((uint64_t)-9)

#define AFFINITY_ON		0
#define AFFINITY_OFF		1
#define PSCI_TOS_NOT_PRESENT	2	/* MIGRATE_INFO_TYPE: no trusted OS to migrate */

#define MPIDR_AFFINITY		0xff00ffffffUL	/* Aff3..Aff0 */

int vm_psci_call(uint64_t fn)
{
	return (fn & ~PSCI_SMC64) >= PSCI_VERSION && (fn & ~PSCI_SMC64) <= PSCI_VERSION + 0x1f;
}

/* The vCPU of `vm` with that affinity, or NULL. */
static struct vcpu *vcpu_by_mpidr(struct vm *vm, uint64_t mpidr)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if ((vm->vcpus[i].vmpidr & MPIDR_AFFINITY) == (mpidr & MPIDR_AFFINITY))
			return &vm->vcpus[i];
	return 0;
}

static uint64_t cpu_on(struct vm *vm, uint64_t mpidr, uint64_t entry, uint64_t context)
{
	struct vcpu *vcpu = vcpu_by_mpidr(vm, mpidr);

	if (!vcpu)
		return PSCI_INVALID_PARAMETERS;
	if (vcpu->on)
		return PSCI_ALREADY_ON;
	/* It starts with its MMU off: its entry must be in its VM's RAM. */
	if (entry < vm->cfg->ipa_base || entry >= vm->cfg->ipa_base + vm->cfg->mem_size)
		return PSCI_INVALID_ADDRESS;
	vcpu_reset(vcpu, entry, context);
	vcpu->on = 1;
	vcpu_kick(vcpu);
	zvm_trace("vcpu-on", "vm=0x%x vcpu=0x%x entry=0x%lx", vm->id, vcpu->index, entry);
	return PSCI_SUCCESS;
}

/* The VM goes on with its other vCPUs; with none left on, it is over. */
static void cpu_off(struct trap_frame *frame, struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	int others_on = 0;

	zvm_trace("vcpu-off", "vm=0x%x vcpu=0x%x", vm->id, vcpu->index);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		others_on |= i != vcpu->index && vm->vcpus[i].on;
	if (others_on)
		vcpu_off(frame);
	else
		vm_exit(frame, 0, "cpus-off");
}

/* ON when a vCPU at the affinity level asked for (0: that vCPU; up to 3:
 * any below that node) is on, OFF when none is. */
static uint64_t affinity_info(struct vm *vm, uint64_t mpidr, uint64_t level)
{
	static const uint64_t level_mask[] = {
		MPIDR_AFFINITY, 0xff00ffff00UL, 0xff00ff0000UL, 0xff00000000UL,
	};
	int found = 0, on = 0;

	if (level > 3)
		return PSCI_INVALID_PARAMETERS;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if ((vm->vcpus[i].vmpidr & level_mask[level]) == (mpidr & level_mask[level])) {
			found = 1;
			on |= vm->vcpus[i].on;
		}
	if (!found)
		return PSCI_INVALID_PARAMETERS;
	return on ? AFFINITY_ON : AFFINITY_OFF;
}

static int supported(uint64_t fn)
{
	switch (fn & ~PSCI_SMC64) {
	case PSCI_VERSION: case PSCI_CPU_SUSPEND: case PSCI_CPU_OFF: case PSCI_CPU_ON:
	case PSCI_AFFINITY_INFO: case PSCI_MIGRATE_INFO_TYPE: case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET: case PSCI_FEATURES:
		return 1;
	default:
		return 0;
	}
}

void vm_psci(struct trap_frame *frame)
{
	struct vcpu *vcpu = vcpu_current();
	struct vm *vm = vcpu->vm;
	uint64_t fn = frame->x[0];
	/* An SMC32 call's arguments are 32 bits wide; the rest of the register is not its. */
	uint64_t width = fn & PSCI_SMC64 ? ~0UL : 0xffffffffUL;
	uint64_t a1 = frame->x[1] & width, a2 = frame->x[2] & width, a3 = frame->x[3] & width;

	switch (fn) {
	case PSCI_SYSTEM_OFF:
		vm_exit(frame, 0, "psci-off");
		return;
	case PSCI_SYSTEM_RESET:
		vm_exit(frame, 0, "psci-reset");
		return;
	case PSCI_CPU_OFF:
		cpu_off(frame, vcpu);
		return;
	case PSCI_CPU_ON:
	case PSCI_CPU_ON | PSCI_SMC64:
		frame->x[0] = cpu_on(vm, a1, a2, a3);
		return;
	case PSCI_AFFINITY_INFO:
	case PSCI_AFFINITY_INFO | PSCI_SMC64:
		frame->x[0] = affinity_info(vm, a1, a2);
		return;
	case PSCI_CPU_SUSPEND:
	case PSCI_CPU_SUSPEND | PSCI_SMC64:
		/* Every state is a standby, as WFI: the vCPU goes on when an
		 * interrupt is due (a power-down state may return so, 5.4.2). */
		frame->x[0] = PSCI_SUCCESS;
		vm_wait(frame);
		return;
	case PSCI_VERSION:
		frame->x[0] = 0x10001;	/* PSCI 1.1 */
		return;
	case PSCI_FEATURES:	/* CPU_SUSPEND's flags 0: the original power_state format */
		frame->x[0] = supported(a1) ? 0 : PSCI_NOT_SUPPORTED;
		return;
	case PSCI_MIGRATE_INFO_TYPE:
		frame->x[0] = PSCI_TOS_NOT_PRESENT;
		return;
	default:
		frame->x[0] = PSCI_NOT_SUPPORTED;
	}
}
