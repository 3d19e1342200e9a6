/* CONFIG_VM_DYNAMIC_MEMORY off: one partition per VM. */
#ifndef CONFIG_VM_DYNAMIC_MEMORY
#include <string.h>

#include "console.h"
#include "heap.h"
#include "locks.h"
#include "stage2.h"
#include "vm.h"

#define BLOCK_2M	(2UL << 20)

int vm_mem_create(struct vm *vm)
{
	struct vm_mem_partition *part = &vm->part;
	uint64_t align = part->size >= BLOCK_2M ? BLOCK_2M : 4096;	/* blocks map 2 MiB */

	part->pa_base = heap_alloc_zeroed(part->size, align);
	if (!part->pa_base) {
		zvm_trace("oom", "vm=0x%x size=0x%lx", vm->id, part->size);
		return -1;
	}
	zvm_trace("block-alloc", "vm=0x%x ipa=0x%lx pa=0x%lx size=0x%lx", vm->id, part->ipa_base,
		  part->pa_base, part->size);
	return s2_map(vm->id, vm->s2_root, part->ipa_base, part->pa_base, part->size,
		      S2_NORMAL_RW);
}

int vm_mem_fault(struct vm *vm, uint64_t ipa, int access_flag)
{
	(void)vm;
	(void)ipa;
	(void)access_flag;
	return 0;	/* all guest RAM is mapped: any stage-2 fault is outside it */
}

int vm_mem_release(struct vm *vm, uint64_t ipa, uint64_t size)
{	/* a static partition is the VM's for its whole life */
	zvm_trace("release-refused", "vm=0x%x ipa=0x%lx size=0x%lx reason=static",
		  vm->id, ipa, size);
	return -1;
}

static void dump(struct vm *vm)
{
	zvm_trace("memlist", "vm=0x%x count=0x1 blocks=0x%lx:0x%lx:0x%lx", vm->id,
		  vm->part.ipa_base, vm->part.pa_base, vm->part.size);
}

void vm_mem_checkpoint(struct vm *vm)
{
	dump(vm);
	heap_report(vm->id);
}

/* The partition goes back to the heap; the stage-2 tables stay as they were
 * at exit (the VM never runs again): the post-mortem record the harness walks. */
void vm_mem_destroy(struct vm *vm)
{
	struct vm_mem_partition *part = &vm->part;

	if (part->pa_base) {
		dump(vm);
		zvm_trace("block-free", "vm=0x%x ipa=0x%lx pa=0x%lx size=0x%lx", vm->id,
			  part->ipa_base, part->pa_base, part->size);
		heap_free(part->pa_base, part->size);
		part->pa_base = 0;
	}
	heap_report(vm->id);
}

uint64_t vm_mem_resident_pa(struct vm *vm, uint64_t ipa)
{
	return vm_mem_host_pa(vm, ipa);
}

uint64_t vm_mem_host_pa(struct vm *vm, uint64_t ipa)
{
	lock_assert_held(&mem_lock);	/* a deleted VM's partition goes under it */
	if (!vm->part.pa_base || ipa < vm->part.ipa_base || ipa >= vm->part.ipa_base + vm->part.size)
		return ~0UL;
	return vm->part.pa_base + ipa - vm->part.ipa_base;
}
#endif
