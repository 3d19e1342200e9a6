#include "range_alloc.h"

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static void remove_at(struct range_alloc *ra, int i)
{
	for (; i < ra->nr - 1; i++)
		ra->free[i] = ra->free[i + 1];
	ra->nr--;
}

static int insert_at(struct range_alloc *ra, int i, uint64_t base, uint64_t size)
{
	if (ra->nr == RANGE_ALLOC_MAX)
		return -1;
	for (int j = ra->nr; j > i; j--)
		ra->free[j] = ra->free[j - 1];
	ra->free[i] = (struct range){ base, size };
	ra->nr++;
	return 0;
}

void range_init(struct range_alloc *ra, uint64_t base, uint64_t size, uint64_t granule)
{
	ra->free[0] = (struct range){ base, size };
	ra->nr = size ? 1 : 0;
	ra->total = size;
	ra->granule = granule;
}

uint64_t range_alloc(struct range_alloc *ra, uint64_t size, uint64_t align)
{
	size = align_up(size, ra->granule);
	if (align < ra->granule)
		align = ra->granule;
	for (int i = 0; i < ra->nr; i++) {
		struct range *r = &ra->free[i];
		uint64_t start = align_up(r->base, align);
		uint64_t end = r->base + r->size;

		if (start < r->base || start + size > end || start + size < start)
			continue;
		if (start == r->base && start + size == end) {
			remove_at(ra, i);
		} else if (start == r->base) {
			r->base += size;
			r->size -= size;
		} else if (start + size == end) {
			r->size = start - r->base;
		} else {
			/* Splitting needs a slot for the tail. */
			if (insert_at(ra, i + 1, start + size, end - start - size) < 0)
				return 0;
			ra->free[i].size = start - ra->free[i].base;
		}
		return start;
	}
	return 0;
}

void range_free(struct range_alloc *ra, uint64_t addr, uint64_t size)
{
	int i = 0;

	size = align_up(size, ra->granule);
	while (i < ra->nr && ra->free[i].base < addr)
		i++;
	int joins_prev = i > 0 && ra->free[i - 1].base + ra->free[i - 1].size == addr;
	int joins_next = i < ra->nr && addr + size == ra->free[i].base;

	if (joins_prev && joins_next) {
		ra->free[i - 1].size += size + ra->free[i].size;
		remove_at(ra, i);
	} else if (joins_prev) {
		ra->free[i - 1].size += size;
	} else if (joins_next) {
		ra->free[i].base = addr;
		ra->free[i].size += size;
	} else {
		insert_at(ra, i, addr, size);
	}
}

uint64_t range_free_bytes(const struct range_alloc *ra)
{
	uint64_t sum = 0;

	for (int i = 0; i < ra->nr; i++)
		sum += ra->free[i].size;
	return sum;
}
