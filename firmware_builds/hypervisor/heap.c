/* The hypervisor heap: VM memory comes from here. */
#include <string.h>

#include "console.h"
#include "heap.h"
#include "locks.h"
#include "range_alloc.h"

static struct range_alloc heap;
static uint64_t used_end;	/* nothing from here up was ever handed out */
static int zeroed_at_boot;

void heap_init(uint64_t base, uint64_t size, int zeroed)
{
	range_init(&heap, base, size, 4096);
	used_end = base;
	zeroed_at_boot = zeroed;
}

uint64_t heap_alloc(uint64_t size, uint64_t align)
{
	lock_assert_held(&mem_lock);
	uint64_t addr = range_alloc(&heap, size, align);
	uint64_t end = addr + ((size + 4095) & ~4095UL);

	if (addr && end > used_end)
		used_end = end;
	return addr;
}

uint64_t heap_alloc_zeroed(uint64_t size, uint64_t align)
{
	uint64_t used_before = used_end;
	uint64_t addr = heap_alloc(size, align);
	uint64_t stop = addr + size;

	/* Memory no one had since a zeroed boot is zero already: only what an
	 * earlier owner may have written is cleared (a VM's new memory must not
	 * carry another's data, and 128 MiB of memset is most of a Linux VM's
	 * creation under emulation). */
	if (zeroed_at_boot && stop > used_before)
		stop = used_before > addr ? used_before : addr;
	if (addr && stop > addr)
		memset((void *)addr, 0, stop - addr);
	return addr;
}

void heap_free(uint64_t addr, uint64_t size)
{
	lock_assert_held(&mem_lock);
	range_free(&heap, addr, size);
}

uint64_t heap_free_bytes(void)
{
	lock_assert_held(&mem_lock);
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
