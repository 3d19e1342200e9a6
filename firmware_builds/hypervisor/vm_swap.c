/* The compressed swap (vm_swap.h): dynamic memory only. */
#ifdef CONFIG_VM_DYNAMIC_MEMORY
#include <lzo/lzo1x.h>

#include "console.h"
#include "heap.h"
#include "stage2.h"
#include "sysregs.h"
#include "vm.h"
#include "vm_swap.h"
#include "zpool.h"

struct swap_stats swap_stats;

static uint8_t packed[SWAP_MAX_BLOCK + SWAP_MAX_BLOCK / 16 + 64 + 3];
static uint8_t lzo_work[LZO1X_1_MEM_COMPRESS] __attribute__((aligned(16)));

static int all_zero(const uint64_t *p, uint64_t size)
{
	for (uint64_t i = 0; i < size / 8; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Compresses `b` into the zpool, unmaps it and frees its memory: 1; or
 * leaves it resident (incompressible, or the zpool is full): 0. */
static int swap_out(struct vm *vm, struct vm_mem_block *b)
{
	uint64_t start = read_counter();
	lzo_uint clen = 0;
	int64_t zoff = 0;
	int kind = SWAP_ZERO;

	if (!all_zero((const uint64_t *)b->pa, b->size)) {
		kind = SWAP_LZO;
		clen = sizeof(packed);
		lzo1x_1_compress((const uint8_t *)b->pa, b->size, packed, &clen, lzo_work);
		if (clen > b->size - b->size / 8) {	/* saves less than an eighth */
			zvm_trace("swap-skip", "vm=0x%x ipa=0x%lx clen=0x%lx reason=incompressible",
				  vm->id, b->ipa, (unsigned long)clen);
			b->unswappable = 1;
			return 0;
		}
		zoff = zpool_store(packed, clen);
		if (zoff < 0) {
			zvm_trace("swap-skip", "vm=0x%x ipa=0x%lx clen=0x%lx reason=zpool-full",
				  vm->id, b->ipa, (unsigned long)clen);
			return 0;
		}
	}
	zvm_trace("swap-out", "vm=0x%x ipa=0x%lx clen=0x%lx zoff=0x%lx kind=%s", vm->id, b->ipa,
		  (unsigned long)clen, zoff, kind == SWAP_ZERO ? "zero" : "lzo");
	s2_unmap(vm->id, vm->s2_root, b->ipa, b->size);
	heap_free(b->pa, b->size);
	b->state = BLOCK_SWAPPED;
	b->pa = 0;
	b->kind = kind;
	b->zoff = zoff;
	b->clen = clen;
	zpool_stored(1);
	swap_stats.swapouts++;
	swap_stats.swapout_ticks += read_counter() - start;
	return 1;
}

int vm_swap_in(struct vm *vm, struct vm_mem_block *b)
{
	vm_swap_relieve_pressure(vm, b->size);
	uint64_t start = read_counter();
	uint64_t align = b->size == vm->part.block_size ? b->size : PAGE;
	uint64_t pa = b->kind == SWAP_ZERO ? heap_alloc_zeroed(b->size, align)
					   : heap_alloc(b->size, align);

	if (!pa) {
		zvm_trace("oom", "vm=0x%x size=0x%lx", vm->id, b->size);
		return -1;
	}
	if (b->kind != SWAP_ZERO) {
		lzo_uint dlen = b->size;

		if (lzo1x_decompress_safe(zpool_data(b->zoff), b->clen, (uint8_t *)pa, &dlen, NULL) !=
		    LZO_E_OK || dlen != b->size) {
			zvm_trace("panic", "reason=swap-corrupt vm=0x%x ipa=0x%lx", vm->id, b->ipa);
			heap_free(pa, b->size);
			return -1;
		}
		zpool_release(b->zoff, b->clen);
	}
	zpool_stored(-1);
	if (s2_map(vm->id, vm->s2_root, b->ipa, pa, b->size, S2_NORMAL_RW)) {
		heap_free(pa, b->size);
		return -1;
	}
	zvm_trace("swap-in", "vm=0x%x ipa=0x%lx pa=0x%lx clen=0x%lx kind=%s", vm->id, b->ipa, pa,
		  b->clen, b->kind == SWAP_ZERO ? "zero" : "lzo");
	b->state = BLOCK_RESIDENT;
	b->pa = pa;
	b->referenced = 1;
	swap_stats.swapins++;
	swap_stats.swapin_ticks += read_counter() - start;
	return 0;
}

static int swappable(const struct vm_mem_block *b)
{
	return b->state == BLOCK_RESIDENT && !b->pinned && !b->unswappable;
}

/* The next swappable block at or after the hand, wrapping around. */
static struct vm_mem_block *clock_next(struct vm *vm)
{
	struct vm_mem_block *first = 0;

	for (struct vm_mem_block *b = vm->part.blocks; b; b = b->next) {
		if (!swappable(b))
			continue;
		if (!first)
			first = b;
		if (b->ipa >= vm->part.clock_hand) {
			first = b;
			break;
		}
	}
	if (first)
		vm->part.clock_hand = first->ipa + first->size;
	return first;
}

/* CLOCK: a referenced block gets a second chance (its access flag cleared),
 * the first unreferenced one is swapped out. At most two turns of the hand. */
static int evict_one(struct vm *vm)
{
	int candidates = 0;

	for (struct vm_mem_block *b = vm->part.blocks; b; b = b->next)
		candidates += swappable(b);
	for (int step = 0; step < 2 * candidates + 1; step++) {
		struct vm_mem_block *b = clock_next(vm);

		if (!b)
			return 0;
		if (b->referenced) {
			b->referenced = 0;
			s2_set_access_flag(vm->s2_root, b->ipa, b->size, 0);
			continue;
		}
		if (swap_out(vm, b))
			return 1;
	}
	return 0;
}

static unsigned long resident_unpinned(struct vm *vm)
{
	unsigned long n = 0;

	for (struct vm_mem_block *b = vm->part.blocks; b; b = b->next)
		n += b->state == BLOCK_RESIDENT && !b->pinned;
	return n;
}

void vm_swap_relieve_pressure(struct vm *vm, uint64_t need)
{
	uint64_t limit = vm->cfg->resident_limit, watermark = vm->heap_watermark;

	if (!zpool_enabled())
		return;
	while ((limit && resident_unpinned(vm) >= limit) ||
	       (watermark && heap_free_bytes() < need + watermark)) {
		if (!evict_one(vm))
			return;
	}
}
#endif
