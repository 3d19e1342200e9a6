#include <string.h>

#include "console.h"
#include "heap.h"
#include "locks.h"
#include "range_alloc.h"
#include "zpool.h"

static struct range_alloc pool;
static uint64_t base;
static unsigned int stored;

int zpool_init(uint64_t size)
{
	if (!size)
		return 0;
	base = heap_alloc(size, 4096);
	if (!base) {
		zvm_trace("oom", "vm=0x0 size=0x%lx", size);
		return -1;
	}
	/* Offsets start at one granule, so that 0 never names a stored block. */
	range_init(&pool, ZPOOL_GRANULE, size - ZPOOL_GRANULE, ZPOOL_GRANULE);
	zpool_report(-1);
	return 0;
}

int zpool_enabled(void)
{
	return base != 0;
}

int64_t zpool_store(const void *data, uint64_t len)
{
	lock_assert_held(&mem_lock);
	uint64_t offset = range_alloc(&pool, len, ZPOOL_GRANULE);

	if (!offset)
		return -1;
	memcpy((void *)(base + offset), data, len);
	return offset;
}

const void *zpool_data(uint64_t offset)
{
	return (const void *)(base + offset);
}

void zpool_release(uint64_t offset, uint64_t len)
{
	lock_assert_held(&mem_lock);
	range_free(&pool, offset, len);
}

void zpool_stored(int delta)
{
	lock_assert_held(&mem_lock);
	stored += delta;
}

void zpool_report(int vm)
{
	uint64_t used = pool.total - range_free_bytes(&pool);

	if (vm < 0)
		zvm_trace("zpool", "size=0x%lx used=0x%lx stored=0x%x", pool.total + ZPOOL_GRANULE,
			  used, stored);
	else
		zvm_trace("zpool", "vm=0x%x size=0x%lx used=0x%lx stored=0x%x", vm,
			  pool.total + ZPOOL_GRANULE, used, stored);
}
