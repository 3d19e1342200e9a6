/* The compressed swap of dynamic memory (with a zpool; docs/swap.md). Under
 * pressure a cold block, chosen by CLOCK over the stage-2 access flag, is
 * LZO-compressed into the zpool (an all-zero one is only noted), unmapped
 * and freed; a fault on it, or the hypervisor reading it, brings it back.
 * harness/models/memblock.py mirrors it. */
#ifndef ZVM_VM_SWAP_H
#define ZVM_VM_SWAP_H

#include <stdint.h>

#include "stage2.h"
#include "vm.h"

/* What swap-out and swap-in cost, in counter ticks (under -icount:
 * instructions), for @zvm memstats. Pressure handling inside an operation
 * is not counted in it. */
struct swap_stats {
	uint64_t swapouts, swapout_ticks, swapins, swapin_ticks;
};
extern struct swap_stats swap_stats;

/* Before `need` more bytes for `vm`: while the VM holds its resident limit
 * of (unpinned) blocks, or the heap's free memory would fall below the
 * watermark, one block is swapped out; with no victim left the limits are
 * soft and the allocation goes on. Nothing without a zpool. */
void vm_swap_relieve_pressure(struct vm *vm, uint64_t need);
/* Brings `b` back: a fresh block, decompressed and checked, mapped. 0, or
 * -1 when the heap is exhausted or the compressed data is corrupt. */
int vm_swap_in(struct vm *vm, struct vm_mem_block *b);

/* An access flag fault on resident `b`: CLOCK cleared the flag and the
 * guest touched the block again, so it is young (inline: on the fault path). */
static inline void vm_swap_touched(struct vm *vm, struct vm_mem_block *b)
{
	b->referenced = 1;
	s2_set_access_flag(vm->s2_root, b->ipa, b->size, 1);
}

#endif
