/* A first-fit, address-ordered allocator over one region, with coalescing
 * frees: the hypervisor heap and the zpool are each one of these.
 * Deterministic on purpose: harness/models/heap.py predicts every address. */
#ifndef ZVM_RANGE_ALLOC_H
#define ZVM_RANGE_ALLOC_H

#include <stdint.h>

#define RANGE_ALLOC_MAX	256

struct range {
	uint64_t base, size;
};

struct range_alloc {
	struct range free[RANGE_ALLOC_MAX];	/* sorted, never adjacent */
	int nr;
	uint64_t total, granule;
};

void range_init(struct range_alloc *ra, uint64_t base, uint64_t size, uint64_t granule);
/* Returns 0 when nothing fits. Sizes round up to the granule. */
uint64_t range_alloc(struct range_alloc *ra, uint64_t size, uint64_t align);
void range_free(struct range_alloc *ra, uint64_t addr, uint64_t size);
uint64_t range_free_bytes(const struct range_alloc *ra);

#endif
