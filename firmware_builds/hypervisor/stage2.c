#include <string.h>

#include "console.h"
#include "locks.h"
#include "stage2.h"

#define BLOCK_2M	(2UL << 20)
#define POOL_PAGES	256
#define DESC_VALID	1UL
#define DESC_TABLE	3UL	/* levels 1, 2 */
#define DESC_BLOCK	1UL	/* levels 1, 2 */
#define DESC_PAGE	3UL	/* level 3 */
#define ADDR_MASK	0x0000fffffffff000UL

/* Tables come from a pool of their own, not from the heap, so that the
 * heap's addresses (which the model predicts) do not depend on how many
 * tables a layout needs. */
static uint64_t pool[POOL_PAGES][PAGE / 8] __attribute__((aligned(PAGE)));
static int pool_used;
static uint64_t *released;	/* tables of deleted VMs, linked through their first word */

static uint64_t *alloc_table(void)
{
	uint64_t *t = released;

	lock_assert_held(&mem_lock);
	if (t)
		released = (uint64_t *)t[0];
	else if (pool_used < POOL_PAGES)
		t = pool[pool_used++];
	else
		return 0;
	memset(t, 0, PAGE);
	return t;
}

static void release_table(uint64_t *table, int level)
{
	for (unsigned int i = 0; level < 3 && i < PAGE / 8; i++)
		if ((table[i] & 3) == DESC_TABLE)
			release_table((uint64_t *)(table[i] & ADDR_MASK), level + 1);
	table[0] = (uint64_t)released;
	released = table;
}

void s2_destroy(uint64_t root)
{
	lock_assert_held(&mem_lock);
	release_table((uint64_t *)root, 1);
}

uint64_t s2_create(void)
{
	return (uint64_t)alloc_table();
}

static unsigned int index_at(int level, uint64_t ipa)
{
	return (ipa >> (39 - 9 * level)) & 0x1ff;
}

/* The next-level table under `table[idx]`, created if missing. */
static uint64_t *next_table(uint64_t *table, unsigned int idx)
{
	if (!(table[idx] & DESC_VALID)) {
		uint64_t *t = alloc_table();

		if (!t)
			return 0;
		table[idx] = (uint64_t)t | DESC_TABLE;
	}
	return (uint64_t *)(table[idx] & ADDR_MASK);
}

int s2_map(unsigned int vm, uint64_t root, uint64_t ipa, uint64_t pa, uint64_t size,
	   uint64_t attrs)
{
	lock_assert_held(&mem_lock);
	zvm_trace("s2-map", "vm=0x%x ipa=0x%lx pa=0x%lx size=0x%lx attr=0x%lx",
		  vm, ipa, pa, size, attrs);
	for (uint64_t done = 0; done < size;) {
		uint64_t *l2 = next_table((uint64_t *)root, index_at(1, ipa + done));

		if (!l2)
			return -1;
		if (((ipa + done) | (pa + done)) % BLOCK_2M == 0 && size - done >= BLOCK_2M) {
			l2[index_at(2, ipa + done)] = (pa + done) | attrs | DESC_BLOCK;
			done += BLOCK_2M;
			continue;
		}
		uint64_t *l3 = next_table(l2, index_at(2, ipa + done));

		if (!l3)
			return -1;
		l3[index_at(3, ipa + done)] = (pa + done) | attrs | DESC_PAGE;
		done += PAGE;
	}
	/* Table writes must be visible to the walker before the VM runs. */
	__asm__ volatile("dsb ishst" ::: "memory");
	return 0;
}

#define DESC_AF		(1UL << 10)

static void invalidate_range(uint64_t ipa, uint64_t size)
{
	__asm__ volatile("dsb ishst" ::: "memory");
	for (uint64_t at = ipa; at < ipa + size; at += PAGE)
		__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(at >> 12));
	__asm__ volatile("dsb ish; tlbi vmalle1is; dsb ish; isb" ::: "memory");
}

/* The leaf descriptor that maps `ipa`, or 0. */
static uint64_t *leaf(uint64_t root, uint64_t ipa)
{
	uint64_t *table = (uint64_t *)root;

	for (int level = 1; level <= 3; level++) {
		uint64_t *d = &table[index_at(level, ipa)];

		if (!(*d & DESC_VALID))
			return 0;
		if (level == 3 || (*d & 3) == DESC_BLOCK)
			return d;
		table = (uint64_t *)(*d & ADDR_MASK);
	}
	return 0;
}

/* Replaces the 2 MiB block mapping `ipa` in `l2` by a level-3 table of the
 * same pages, break-before-make: invalid entry, TLB invalidation, new entry. */
static uint64_t *break_block(uint64_t *l2, uint64_t ipa)
{
	unsigned int idx = index_at(2, ipa);
	uint64_t block = l2[idx], *l3 = alloc_table();

	if (!l3)
		return 0;
	for (unsigned int i = 0; i < 512; i++)
		l3[i] = ((block & ADDR_MASK) + i * PAGE) | (block & S2_ATTR_MASK) | DESC_PAGE;
	l2[idx] = 0;
	__asm__ volatile("dsb ishst; tlbi ipas2e1is, %0; dsb ish" : : "r"((ipa & ~(BLOCK_2M - 1)) >> 12)
			 : "memory");
	l2[idx] = (uint64_t)l3 | DESC_TABLE;
	return l3;
}

int s2_unmap(unsigned int vm, uint64_t root, uint64_t ipa, uint64_t size)
{
	lock_assert_held(&mem_lock);
	zvm_trace("s2-unmap", "vm=0x%x ipa=0x%lx size=0x%lx", vm, ipa, size);
	for (uint64_t at = ipa; at < ipa + size;) {
		uint64_t *l1 = (uint64_t *)root, d1 = l1[index_at(1, at)];

		if (!(d1 & DESC_VALID)) {
			at = (at | ((1UL << 30) - 1)) + 1;
			continue;
		}
		uint64_t *l2 = (uint64_t *)(d1 & ADDR_MASK);
		unsigned int i2 = index_at(2, at);

		if ((l2[i2] & 3) == DESC_BLOCK) {
			if (at % BLOCK_2M == 0 && ipa + size - at >= BLOCK_2M) {
				l2[i2] = 0;
				at += BLOCK_2M;
				continue;
			}
			if (!break_block(l2, at))
				return -1;
		}
		if (l2[i2] & DESC_VALID)
			((uint64_t *)(l2[i2] & ADDR_MASK))[index_at(3, at)] = 0;
		at += PAGE;
	}
	invalidate_range(ipa, size);	/* no stale translation may survive */
	return 0;
}

void s2_set_access_flag(uint64_t root, uint64_t ipa, uint64_t size, int set)
{
	lock_assert_held(&mem_lock);
	for (uint64_t at = ipa; at < ipa + size; at += PAGE) {
		uint64_t *d = leaf(root, at);

		if (d)
			*d = set ? *d | DESC_AF : *d & ~DESC_AF;
	}
	invalidate_range(ipa, size);
}
