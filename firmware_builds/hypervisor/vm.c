#include <string.h>

#include "console.h"
#include "heap.h"
#include "iosched.h"
#include "stage2.h"
#include "vcpu_context.h"
#include "vgic.h"
#include "vm.h"
#include "vm_sched.h"
#include "vm_timer.h"
#include "zpool.h"

static int vm_create(struct vm *vm, unsigned int id, const struct vm_config *cfg,
		     uint64_t block_size, uint64_t heap_watermark)
{
	vm->id = id;
	vm->cfg = cfg;
	vm->part.ipa_base = cfg->ipa_base;
	vm->part.size = cfg->mem_size;
	vm->part.block_size = block_size;
	vm->heap_watermark = heap_watermark;
	vm->s2_root = s2_create();
	if (!vm->s2_root)
		return -1;
	vm->vttbr = s2_vttbr(vm->s2_root, cfg->vmid);
	zvm_trace("vm-create", "vm=0x%x name=%s vmid=0x%x vttbr=0x%lx ipa=0x%lx size=0x%lx "
		  "entry=0x%lx", id, cfg->name, cfg->vmid, vm->vttbr, cfg->ipa_base, cfg->mem_size,
		  cfg->entry_ipa);
	/* Memory comes zeroed: nothing of a previous owner may leak into the VM. */
	if (vm_mem_create(vm))
		return -1;
	if (vm_write(vm, cfg->image_ipa, (const void *)cfg->image_pa, cfg->image_size) ||
	    vm_write(vm, cfg->dtb_ipa, (const void *)cfg->dtb_pa, cfg->dtb_size) ||
	    vm_write(vm, cfg->initrd_ipa, (const void *)cfg->initrd_pa, cfg->initrd_size))
		return -1;
	vgic_vm_init(&vm->vgic, cfg->linux_guest);
	vgic_resample_on_deactivate(&vm->vgic, VTIMER_VINTID);
	vgic_resample_on_deactivate(&vm->vgic, PTIMER_VINTID);
	vm->blk.disk_base = cfg->disk_base;
	vm->blk.disk_sectors = cfg->disk_sectors;
	/* A device handed to the guest as is: no back-end, no IOMMU (the guest
	 * is told how its IPAs relate to host addresses). For benchmarks. */
	if (cfg->passthrough_size &&
	    s2_map(id, vm->s2_root, cfg->passthrough_pa, cfg->passthrough_pa, cfg->passthrough_size,
		   S2_DEVICE_RW))
		return -1;
	vcpu_reset(vm);
	vm->running = 1;
	return 0;
}

int vms_create(const struct description *desc)
{
	heap_init(desc->heap_base, desc->heap_size, desc->heap_zeroed);
	if (zpool_init(desc->zpool_size))
		return -1;
	for (int i = 0; i < desc->nr_vms; i++) {
		if (desc->vms[i].disk_sectors && vblk_init()) {
			zvm_trace("panic", "reason=no-host-disk");
			return -1;
		}
		if (desc->vms[i].disk_sectors)
			break;
	}
	for (int i = 0; i < desc->nr_vms; i++) {
		struct vm *vm = vms_add();

		if (vm_create(vm, i, &desc->vms[i], desc->block_size, desc->heap_watermark) == 0)
			continue;
		/* This VM cannot start (@zvm oom said why); the others still run. */
		zvm_trace("vm-exit", "vm=0x%x code=0x%lx reason=oom", i, VM_EXIT_FAULT_CODE);
		vm_mem_destroy(vm);
		vm->running = 0;
	}
	/* Stale translations for these VMIDs must not survive. */
	__asm__ volatile("dsb ish; tlbi alle1is; dsb ish; isb" ::: "memory");
	return 0;
}

void vm_exit(struct trap_frame *frame, uint64_t code, const char *reason)
{
	struct vm *vm = vm_current();

	vm->running = 0;
	zvm_trace("vm-exit", "vm=0x%x code=0x%lx reason=%s", vm->id, code, reason);
	iosched_forget(vm);
	vm_mem_destroy(vm);
	vm_run_next(frame);
}
