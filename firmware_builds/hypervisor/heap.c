#include "console.h"
#include "heap.h"

#define MAX_RANGES	256
#define GRANULE		4096UL

struct range {
	uint64_t base, size;
};

/* Free ranges sorted by address, never adjacent (freeing coalesces). */
static struct range free_ranges[MAX_RANGES];
static int nr_ranges;
static uint64_t total;

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void remove_at(int i)
{
	for (; i < nr_ranges - 1; i++)
		free_ranges[i] = free_ranges[i + 1];
	nr_ranges--;
}

static int insert_at(int i, uint64_t base, uint64_t size)
{
	if (nr_ranges == MAX_RANGES)
		return -1;
	for (int j = nr_ranges; j > i; j--)
		free_ranges[j] = free_ranges[j - 1];
	free_ranges[i] = (struct range){ base, size };
	nr_ranges++;
	return 0;
}

void heap_init(uint64_t base, uint64_t size)
{
	free_ranges[0] = (struct range){ base, size };
	nr_ranges = 1;
	total = size;
}

uint64_t heap_alloc(uint64_t size, uint64_t align)
{
	size = align_up(size, GRANULE);
	if (align < GRANULE)
		align = GRANULE;
	for (int i = 0; i < nr_ranges; i++) {
		struct range *r = &free_ranges[i];
		uint64_t start = align_up(r->base, align);
		uint64_t end = r->base + r->size;

		if (start < r->base || start + size > end || start + size < start)
			continue;
		if (start == r->base && start + size == end) {
			remove_at(i);
		} else if (start == r->base) {
			r->base += size;
			r->size -= size;
		} else if (start + size == end) {
			r->size = start - r->base;
		} else {
			/* Splitting needs a slot for the tail. */
			if (insert_at(i + 1, start + size, end - start - size) < 0)
				return 0;
			free_ranges[i].size = start - free_ranges[i].base;
		}
		return start;
	}
	return 0;
}

void heap_free(uint64_t addr, uint64_t size)
{
	int i = 0;

	size = align_up(size, GRANULE);
	while (i < nr_ranges && free_ranges[i].base < addr)
		i++;
	int joins_prev = i > 0 && free_ranges[i - 1].base + free_ranges[i - 1].size == addr;
	int joins_next = i < nr_ranges && addr + size == free_ranges[i].base;

	if (joins_prev && joins_next) {
		free_ranges[i - 1].size += size + free_ranges[i].size;
		remove_at(i);
	} else if (joins_prev) {
		free_ranges[i - 1].size += size;
	} else if (joins_next) {
		free_ranges[i].base = addr;
		free_ranges[i].size += size;
	} else {
		insert_at(i, addr, size);
	}
}

uint64_t heap_free_bytes(void)
{
	uint64_t sum = 0;

	for (int i = 0; i < nr_ranges; i++)
		sum += free_ranges[i].size;
	return sum;
}

uint64_t heap_size(void)
{
	return total;
}

void heap_report(unsigned int vm)
{
	uint64_t free = heap_free_bytes();

	zvm_trace("heap", "vm=0x%x used=0x%lx free=0x%lx", vm, total - free, free);
}
