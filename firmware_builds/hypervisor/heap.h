/* The hypervisor heap: a first-fit, address-ordered allocator over the
 * region the description names. Deterministic on purpose: the Python model
 * (harness/models/heap.py) predicts every address it hands out. */
#ifndef ZVM_HEAP_H
#define ZVM_HEAP_H

#include <stdint.h>

/* `zeroed`: the memory reads as zero until first written (QEMU's RAM). */
void heap_init(uint64_t base, uint64_t size, int zeroed);
/* Returns 0 when no free range fits. Sizes round up to 4 KiB. */
uint64_t heap_alloc(uint64_t size, uint64_t align);
/* The same, the memory zeroed. */
uint64_t heap_alloc_zeroed(uint64_t size, uint64_t align);
void heap_free(uint64_t addr, uint64_t size);
uint64_t heap_free_bytes(void);
uint64_t heap_size(void);
/* @zvm heap vm=.. used=.. free=..: `vm` is the VM whose checkpoint or exit it is. */
void heap_report(unsigned int vm);

#endif
