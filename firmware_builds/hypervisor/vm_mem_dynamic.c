/* CONFIG_VM_DYNAMIC_MEMORY on: vm_mem_block lists allocated on demand,
 * merged, split by a release; with a zpool, blocks also go to and come back
 * from the compressed swap (vm_swap.c). harness/models/memblock.py mirrors
 * every step, event for event; the rules are in docs/memory.md. */
#ifdef CONFIG_VM_DYNAMIC_MEMORY
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "heap.h"
#include "locks.h"
#include "stage2.h"
#include "sysregs.h"
#include "vm.h"
#include "vm_swap.h"
#include "zpool.h"

#define MAX_NODES	1024

/* Nodes come from a pool of their own, not the heap: the heap's addresses
 * are the model's business, the list's bookkeeping is not. */
static struct vm_mem_block node_pool[MAX_NODES];
static struct vm_mem_block *free_nodes;
static int pool_ready;

static struct vm_mem_block *node_alloc(void)
{
	if (!pool_ready) {
		for (int i = 0; i < MAX_NODES; i++) {
			node_pool[i].next = free_nodes;
			free_nodes = &node_pool[i];
		}
		pool_ready = 1;
	}
	struct vm_mem_block *n = free_nodes;

	if (n) {
		free_nodes = n->next;
		memset(n, 0, sizeof(*n));
	}
	return n;
}

static void node_free(struct vm_mem_block *n)
{
	n->next = free_nodes;
	free_nodes = n;
}

static void unlink_node(struct vm_mem_partition *part, struct vm_mem_block *n)
{
	if (n->prev)
		n->prev->next = n->next;
	else
		part->blocks = n->next;
	if (n->next)
		n->next->prev = n->prev;
	node_free(n);
}

/* Joins `n` with its neighbour `next` when both IPA and PA continue. */
static struct vm_mem_block *try_merge(struct vm *vm, struct vm_mem_block *n)
{
	struct vm_mem_block *next = n ? n->next : 0;

	/* With swapping on, a block is the unit of swap: blocks never merge. */
	if (!n || !next || zpool_enabled() || n->ipa + n->size != next->ipa ||
	    n->pa + n->size != next->pa)
		return n;
	n->size += next->size;
	unlink_node(&vm->part, next);
	zvm_trace("block-merge", "vm=0x%x ipa=0x%lx pa=0x%lx size=0x%lx", vm->id, n->ipa, n->pa,
		  n->size);
	return n;
}

/* What demand allocation costs, in counter ticks (under -icount:
 * instructions), reported at power-off for the benchmarks with what swap
 * costs. Pressure handling inside an allocation is not counted in it. */
static struct {
	uint64_t allocs, alloc_ticks;
} stats;

void vm_mem_report_stats(void)
{
	zvm_trace("memstats", "allocs=0x%lx alloc-ticks=0x%lx swapouts=0x%lx swapout-ticks=0x%lx "
		  "swapins=0x%lx swapin-ticks=0x%lx", stats.allocs, stats.alloc_ticks,
		  swap_stats.swapouts, swap_stats.swapout_ticks, swap_stats.swapins,
		  swap_stats.swapin_ticks);
}

/* Allocates, zeroes, maps and links the block [ipa, ipa+size). */
static int block_alloc(struct vm *vm, uint64_t ipa, uint64_t size, int pinned)
{
	struct vm_mem_partition *part = &vm->part;

	if (!pinned)
		vm_swap_relieve_pressure(vm, size);
	uint64_t start = read_counter();
	uint64_t pa = heap_alloc_zeroed(size, size == part->block_size ? size : PAGE);
	struct vm_mem_block *n = pa ? node_alloc() : 0;

	if (!n) {
		if (pa)
			heap_free(pa, size);
		zvm_trace("oom", "vm=0x%x size=0x%lx", vm->id, size);
		return -1;
	}
	if (s2_map(vm->id, vm->s2_root, ipa, pa, size, S2_NORMAL_RW)) {
		node_free(n);
		heap_free(pa, size);
		zvm_trace("oom", "vm=0x%x size=0x%lx", vm->id, size);
		return -1;
	}
	n->ipa = ipa;
	n->pa = pa;
	n->size = size;
	n->pinned = pinned;
	n->referenced = 1;	/* mapped with the access flag set */
	struct vm_mem_block *prev = 0, *cur = part->blocks;

	while (cur && cur->ipa < ipa) {
		prev = cur;
		cur = cur->next;
	}
	n->prev = prev;
	n->next = cur;
	if (prev)
		prev->next = n;
	else
		part->blocks = n;
	if (cur)
		cur->prev = n;
	zvm_trace("block-alloc", "vm=0x%x ipa=0x%lx pa=0x%lx size=0x%lx", vm->id, ipa, pa, size);
	if (!pinned) {
		stats.allocs++;
		stats.alloc_ticks += read_counter() - start;
	}
	/* Merge with the block before, then with the one after. */
	struct vm_mem_block *merged = n;

	if (prev && prev->ipa + prev->size == n->ipa && prev->pa + prev->size == n->pa)
		merged = try_merge(vm, prev);
	try_merge(vm, merged);
	return 0;
}

/* The unbacked gap around `ipa`, within its block-size-aligned block. */
static int gap_around(struct vm *vm, uint64_t ipa, uint64_t *start, uint64_t *end)
{
	struct vm_mem_partition *part = &vm->part;

	*start = ipa & ~(part->block_size - 1);
	*end = *start + part->block_size;
	if (*start < part->ipa_base)
		*start = part->ipa_base;
	if (*end > part->ipa_base + part->size)
		*end = part->ipa_base + part->size;
	for (struct vm_mem_block *b = part->blocks; b; b = b->next) {
		uint64_t b_end = b->ipa + b->size;

		if (b->ipa <= ipa && ipa < b_end)
			return -1;	/* already backed */
		if (b_end <= ipa && b_end > *start)
			*start = b_end;
		if (b->ipa > ipa && b->ipa < *end)
			*end = b->ipa;
	}
	return 0;
}

static struct vm_mem_block *block_at(struct vm *vm, uint64_t ipa)
{
	for (struct vm_mem_block *b = vm->part.blocks; b; b = b->next)
		if (b->ipa <= ipa && ipa < b->ipa + b->size)
			return b;
	return 0;
}

int vm_mem_fault(struct vm *vm, uint64_t ipa, int access_flag)
{
	struct vm_mem_partition *part = &vm->part;
	struct vm_mem_block *b;
	uint64_t start, end;

	lock_assert_held(&mem_lock);
	if (ipa < part->ipa_base || ipa >= part->ipa_base + part->size)
		return 0;
	b = block_at(vm, ipa);
	if (access_flag) {
		if (b && b->state == BLOCK_RESIDENT)
			vm_swap_touched(vm, b);
		return 1;
	}
	if (b && b->state == BLOCK_SWAPPED)
		return vm_swap_in(vm, b) ? -1 : 1;
	if (gap_around(vm, ipa, &start, &end))
		return 1;	/* a stale TLB entry raced us: retrying is enough */
	return block_alloc(vm, start, end - start, 0) ? -1 : 1;
}

/* Backs [ipa, ipa+size) at creation: block by block, as faults would. */
static int prefault(struct vm *vm, uint64_t ipa, uint64_t size, int pinned)
{
	uint64_t end = ipa + size;

	for (uint64_t at = ipa & ~(PAGE - 1); at < end;) {
		uint64_t start, gap_end;

		if (gap_around(vm, at, &start, &gap_end) == 0 &&
		    block_alloc(vm, start, gap_end - start, pinned))
			return -1;
		at = (at | (vm->part.block_size - 1)) + 1;
	}
	return 0;
}

int vm_mem_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;

	vm->part.blocks = 0;
	vm->part.clock_hand = cfg->ipa_base;
	/* The image's footprint is pinned: a guest whose code and stack were
	 * swapped out would fault on every instruction. */
	if (prefault(vm, cfg->footprint_ipa, cfg->footprint_size, 1) ||
	    prefault(vm, cfg->dtb_ipa, cfg->dtb_size, 0))
		return -1;
	return 0;
}

/* Splits `n` so that a node starts at `at` (inside it); returns that node. */
static struct vm_mem_block *split_at(struct vm *vm, struct vm_mem_block *n, uint64_t at)
{
	/* A compressed block is one unit: bring it back before cutting it. */
	if (n->state == BLOCK_SWAPPED && vm_swap_in(vm, n))
		return 0;
	struct vm_mem_block *tail = node_alloc();

	if (!tail)
		return 0;
	zvm_trace("block-split", "vm=0x%x ipa=0x%lx at=0x%lx", vm->id, n->ipa, at);
	tail->ipa = at;
	tail->pa = n->pa + (at - n->ipa);
	tail->size = n->ipa + n->size - at;
	tail->pinned = n->pinned;
	tail->unswappable = n->unswappable;
	tail->referenced = n->referenced;
	n->size = at - n->ipa;
	tail->prev = n;
	tail->next = n->next;
	if (n->next)
		n->next->prev = tail;
	n->next = tail;
	return tail;
}

/* Back to the heap; unmapped unless the VM is gone (then its tables stay as
 * at exit: the post-mortem record the harness walks). */
static void block_free(struct vm *vm, struct vm_mem_block *n, int unmap)
{
	zvm_trace("block-free", "vm=0x%x ipa=0x%lx pa=0x%lx size=0x%lx", vm->id, n->ipa, n->pa,
		  n->size);
	if (n->state == BLOCK_SWAPPED) {	/* its memory is in the zpool */
		if (n->kind == SWAP_LZO)
			zpool_release(n->zoff, n->clen);
		zpool_stored(-1);
		unlink_node(&vm->part, n);
		return;
	}
	if (unmap)
		s2_unmap(vm->id, vm->s2_root, n->ipa, n->size);
	heap_free(n->pa, n->size);
	unlink_node(&vm->part, n);
}

/* Whether [ipa, end) is wholly backed by the VM's blocks. */
static int owned(struct vm *vm, uint64_t ipa, uint64_t end)
{
	for (struct vm_mem_block *b = vm->part.blocks; b && ipa < end; b = b->next)
		if (b->ipa <= ipa && ipa < b->ipa + b->size)
			ipa = b->ipa + b->size;
	return ipa >= end;
}

int vm_mem_release(struct vm *vm, uint64_t ipa, uint64_t size)
{
	uint64_t end = ipa + size;
	const char *why = 0;

	if (size == 0 || (ipa | size) & (PAGE - 1) || end < ipa)
		why = "unaligned";
	else if (!owned(vm, ipa, end))
		why = "not-owned";
	if (why) {
		zvm_trace("release-refused", "vm=0x%x ipa=0x%lx size=0x%lx reason=%s", vm->id, ipa,
			  size, why);
		return -1;
	}
	struct vm_mem_block *n = vm->part.blocks;

	while (n && n->ipa < end) {
		struct vm_mem_block *next = n->next;

		if (n->ipa + n->size <= ipa) {
			n = next;
			continue;
		}
		if (n->ipa < ipa && !(n = split_at(vm, n, ipa)))
			return -1;
		if (n->ipa + n->size > end && !split_at(vm, n, end))
			return -1;
		next = n->next;
		block_free(vm, n, 1);
		n = next;
	}
	return 0;
}

static void dump(struct vm *vm)
{
	static char list[3072];
	unsigned int len = 0, count = 0;

	list[0] = 0;
	for (struct vm_mem_block *b = vm->part.blocks; b; b = b->next, count++) {
		if (len + 64 >= sizeof(list))
			continue;
		if (b->state == BLOCK_SWAPPED)
			len += snprintf(list + len, sizeof(list) - len, "%s0x%lx:swapped:0x%lx",
					count ? "," : "", b->ipa, b->size);
		else
			len += snprintf(list + len, sizeof(list) - len, "%s0x%lx:0x%lx:0x%lx",
					count ? "," : "", b->ipa, b->pa, b->size);
	}
	zvm_trace("memlist", "vm=0x%x count=0x%x blocks=%s", vm->id, count, count ? list : "none");
}

void vm_mem_checkpoint(struct vm *vm)
{
	dump(vm);
	heap_report(vm->id);
	if (zpool_enabled())
		zpool_report(vm->id);
}

void vm_mem_destroy(struct vm *vm)
{
	dump(vm);
	while (vm->part.blocks)
		block_free(vm, vm->part.blocks, 0);
	heap_report(vm->id);
	if (zpool_enabled())
		zpool_report(vm->id);
}

uint64_t vm_mem_host_pa(struct vm *vm, uint64_t ipa)
{
	struct vm_mem_block *b;

	lock_assert_held(&mem_lock);	/* the block may go once it is let go */
	b = block_at(vm, ipa);
	return b && b->state == BLOCK_RESIDENT ? b->pa + ipa - b->ipa : ~0UL;
}

uint64_t vm_mem_resident_pa(struct vm *vm, uint64_t ipa)
{
	struct vm_mem_block *b = block_at(vm, ipa);

	if (!b && vm_mem_fault(vm, ipa, 0) != 1)
		return ~0UL;
	b = block_at(vm, ipa);
	if (b && b->state == BLOCK_SWAPPED && vm_swap_in(vm, b))
		return ~0UL;
	return vm_mem_host_pa(vm, ipa);
}
#endif
