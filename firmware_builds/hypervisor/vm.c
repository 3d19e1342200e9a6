#include <stdio.h>
#include <string.h>

#include "console.h"
#include "cpus.h"
#include "heap.h"
#include "iosched.h"
#include "locks.h"
#include "shell.h"
#include "stage2.h"
#include "vcpu_context.h"
#include "vgic.h"
#include "vm.h"
#include "vm_sched.h"
#include "vm_timer.h"
#include "zpool.h"

static const struct description *described;

/* The physical CPU a vCPU runs on: its affinity, or with the description's
 * balanced placement the next CPU round (VMs and vCPUs in order), or the
 * boot CPU. */
static unsigned int place(const struct vm_config *cfg, unsigned int index)
{
	static unsigned int next_cpu;

	if (cfg->placed)
		return cfg->affinity[index];
	return described->balanced ? next_cpu++ % cpus_up() : 0;
}

/* Its vCPUs as at reset, the first on at the VM's entry with its DTB in x0,
 * the others off until it turns them on (PSCI CPU_ON). */
static void vcpus_create(struct vm *vm)
{
	struct vgic_state *interfaces[MAX_VCPUS];

	vm->nr_vcpus = vm->cfg->nr_vcpus;
	vm->hcr = vcpu_hcr(vm);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].index = i;
		vm->vcpus[i].pcpu = place(vm->cfg, i);
		interfaces[i] = &vm->vcpus[i].vgic;
	}
	vgic_vm_init(&vm->vgic, interfaces, vm->nr_vcpus, vm->cfg->linux_guest);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		vgic_resample_on_deactivate(interfaces[i], VTIMER_VINTID);
		vgic_resample_on_deactivate(interfaces[i], PTIMER_VINTID);
		vcpu_reset(&vm->vcpus[i], vm->cfg->entry_ipa, vm->cfg->dtb_ipa);
	}
	vm->vcpus[0].on = 1;
}

/* Its stage-2 tables and memory, and a passed-through device mapped; the
 * caller holds the memory lock. */
static int create_memory(struct vm *vm, unsigned int vmid, const struct vm_config *cfg)
{
	vm->s2_root = s2_create();
	if (!vm->s2_root)
		return -1;
	vm->vttbr = s2_vttbr(vm->s2_root, vmid);
	zvm_trace("vm-create", "vm=0x%x name=%s vmid=0x%x vttbr=0x%lx ipa=0x%lx size=0x%lx "
		  "entry=0x%lx", vm->id, vm->name, vmid, vm->vttbr, cfg->ipa_base, cfg->mem_size,
		  cfg->entry_ipa);
	/* Memory comes zeroed: nothing of a previous owner may leak into the VM. */
	if (vm_mem_create(vm))
		return -1;
	/* A device handed to the guest as is: no back-end, no IOMMU (the guest
	 * is told how its IPAs relate to host addresses). For benchmarks. */
	if (cfg->passthrough_size &&
	    s2_map(vm->id, vm->s2_root, cfg->passthrough_pa, cfg->passthrough_pa,
		   cfg->passthrough_size, S2_DEVICE_RW))
		return -1;
	return 0;
}

static int vm_create(struct vm *vm, unsigned int id, unsigned int vmid,
		     const struct vm_config *cfg)
{
	vm->id = id;
	vm->cfg = cfg;
	if (!vm->name[0])
		strcpy(vm->name, cfg->name);
	vm->part.ipa_base = cfg->ipa_base;
	vm->part.size = cfg->mem_size;
	vm->part.block_size = described->block_size;
	vm->heap_watermark = described->heap_watermark;
	lock_take(&mem_lock);
	int failed = create_memory(vm, vmid, cfg);

	lock_give(&mem_lock);
	if (failed ||
	    vm_write(vm, cfg->image_ipa, (const void *)cfg->image_pa, cfg->image_size) ||
	    vm_write(vm, cfg->dtb_ipa, (const void *)cfg->dtb_pa, cfg->dtb_size) ||
	    vm_write(vm, cfg->initrd_ipa, (const void *)cfg->initrd_pa, cfg->initrd_size))
		return -1;
	vcpus_create(vm);
	vm->blk.disk_base = cfg->disk_base;
	vm->blk.disk_sectors = cfg->disk_sectors;
	return 0;
}

void vm_set_state(struct vm *vm, enum vm_state state)
{
	lock_take(&mem_lock);
	vm->state = state;
	lock_give(&mem_lock);
}

static void mem_destroy(struct vm *vm)
{
	lock_take(&mem_lock);
	vm_mem_destroy(vm);
	lock_give(&mem_lock);
}

/* What is left of a VM that could not be created: @zvm oom said why. */
static void creation_failed(struct vm *vm)
{
	zvm_trace("vm-exit", "vm=0x%x code=0x%lx reason=oom", vm->id, VM_EXIT_FAULT_CODE);
	mem_destroy(vm);
	vm_set_state(vm, VM_EXITED);
}

int vms_create(const struct description *desc)
{
	described = desc;
	heap_init(desc->heap_base, desc->heap_size, desc->heap_zeroed);
	lock_take(&mem_lock);
	int failed = zpool_init(desc->zpool_size);

	lock_give(&mem_lock);
	if (failed)
		return -1;
	for (int i = 0; i < desc->nr_vms; i++) {
		if (desc->vms[i].disk_sectors && vblk_init(desc->counted_time)) {
			zvm_trace("panic", "reason=no-host-disk");
			return -1;
		}
		if (desc->vms[i].disk_sectors)
			break;
	}
	for (int i = 0; i < desc->nr_vms; i++)
		for (unsigned int v = 0; desc->vms[i].placed && v < desc->vms[i].nr_vcpus; v++)
			if (desc->vms[i].affinity[v] >= cpus_up()) {
				zvm_trace("panic", "reason=bad-description node=%s prop=affinity "
					  "cpus=0x%x", desc->vms[i].name, cpus_up());
				return -1;
			}
	for (int i = 0; i < desc->nr_vms; i++) {
		if (desc->vms[i].offered)
			continue;	/* for the shell's `new` */
		struct vm *vm = vms_add();

		if (vm_create(vm, vm->id, desc->vms[i].vmid, &desc->vms[i]) == 0)
			vm_set_state(vm, VM_RUNNING);
		else	/* this VM cannot start; the others still run */
			creation_failed(vm);
	}
	/* Stale translations for these VMIDs must not survive. */
	__asm__ volatile("dsb ish; tlbi alle1is; dsb ish; isb" ::: "memory");
	return 0;
}

const struct vm_config *vm_template(const char *name)
{
	for (int i = 0; described && i < described->nr_vms; i++)
		if (described->vms[i].offered && strcmp(described->vms[i].name, name) == 0)
			return &described->vms[i];
	return 0;
}

struct vm *vm_new(const struct vm_config *cfg)
{
	struct vm *vm = vms_add();

	if (!vm)
		return 0;
	if (vm->id + 1 > MAX_VMID) {	/* the VMID is the id's: no more */
		vms_release(vm);
		return 0;
	}
	snprintf(vm->name, sizeof(vm->name), "%s-%u", cfg->name, vm->id);
	if (vm_create(vm, vm->id, vm->id + 1, cfg) == 0) {
		vm_set_state(vm, VM_CREATED);
		return vm;
	}
	creation_failed(vm);
	vm_delete(vm);
	return 0;
}

void vm_delete(struct vm *vm)
{
	enum vm_state was = vm->state;

	vm_set_state(vm, VM_EXITED);
	vm_quiesce(vm);		/* its memory and tables go */
	if (was != VM_EXITED) {
		zvm_trace("vm-exit", "vm=0x%x code=0x0 reason=delete", vm->id);
		iosched_forget(vm);
		mem_destroy(vm);
	}
	if (vm->s2_root) {	/* its VMID is never used again; its translations go all the same */
		lock_take(&mem_lock);
		s2_destroy(vm->s2_root);
		lock_give(&mem_lock);
	}
	__asm__ volatile("dsb ish; tlbi alle1is; dsb ish; isb" ::: "memory");
	zvm_trace("vm-delete", "vm=0x%x", vm->id);
	vms_release(vm);
}

void vm_exit(struct trap_frame *frame, uint64_t code, const char *reason)
{
	struct vm *vm = vm_current();

	vm_set_state(vm, VM_EXITED);
	vm_quiesce(vm);		/* its memory goes: none of its vCPUs may run on */
	zvm_trace("vm-exit", "vm=0x%x code=0x%lx reason=%s", vm->id, code, reason);
	iosched_forget(vm);
	mem_destroy(vm);
	shell_forget(vm);
	vm_run_next(frame);
}
