/* The hypervisor heap: VM memory comes from here. */
#include "console.h"
#include "heap.h"
#include "range_alloc.h"

static struct range_alloc heap;

void heap_init(uint64_t base, uint64_t size)
{
	range_init(&heap, base, size, 4096);
}

uint64_t heap_alloc(uint64_t size, uint64_t align)
{
	return range_alloc(&heap, size, align);
}

void heap_free(uint64_t addr, uint64_t size)
{
	range_free(&heap, addr, size);
}

uint64_t heap_free_bytes(void)
{
	return range_free_bytes(&heap);
}

uint64_t heap_size(void)
{
	return heap.total;
}

void heap_report(unsigned int vm)
{
	uint64_t free = heap_free_bytes();

	zvm_trace("heap", "vm=0x%x used=0x%lx free=0x%lx", vm, heap.total - free, free);
}
