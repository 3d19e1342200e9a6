/* Dynamic memory (CONFIG_VM_DYNAMIC_MEMORY) on the host: the heap and its
 * range allocator, the vm_mem_block lists, stage-2 tables, the compressed
 * swap with the real liblzo2 and the zpool, driven as guests and the
 * hypervisor drive them. An input is a header (block size, heap size,
 * zeroed heap, swap on, zpool size, heap watermark), then operations on up
 * to three VMs: create, guest writes and reads of a page (a stage-2 walk of
 * the VM's own tables; a translation or access flag fault goes to
 * vm_mem_fault as traps.c sends it), the hypervisor's CRC of guest pages
 * (vm_mem_resident_pa), releases, pressure, checkpoints, deletion.
 * fuzz/oracles/memory.py decodes the same bytes.
 *
 * Beyond no crash and no sanitizer report, after every operation: each
 * list sorted, disjoint and doubly linked, inside its VM's RAM; no node in
 * two places; no heap range held twice, and every heap byte free, held by
 * one block or the zpool; stage 2 maps exactly the resident blocks' pages
 * at their PAs, the access flag as CLOCK left it, nothing else. What a
 * guest reads is what it wrote (zero where it never wrote or released),
 * through swap-out and swap-in; a VM's swapped blocks decompress to it at
 * its deletion. Once every VM is gone, the heap is whole and the zpool
 * empty. The oracle compares the trace with harness/models/memblock.py's. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <lzo/lzo1x.h>

#include "console_fake.h"
#include "heap.h"
#include "locks.h"
#include "record.h"
#include "stage2.h"
#include "vm.h"
#include "vm_swap.h"
#include "zpool.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

/* A fixed heap address, so that the model predicts every PA. */
#define HEAP_BASE	0x200000000000UL
#define HEAP_MAX	(8UL << 20)
#define IPA_BASE	0x40000000UL
#define SLOTS		3
#define MAX_BLOCKS	64		/* a VM's RAM in blocks: its memlist stays whole */
#define MAX_PAGES	(MAX_BLOCKS * (2UL << 20) / PAGE)
#define MAX_LIVE	1024		/* vm_mem_dynamic.c's node pool */
#define HEADER		5
#define DESC_AF		(1UL << 10)
#define ADDR_MASK	0x0000fffffffff000UL
/* The target's own checking, left out of the coverage the fuzzer steers
 * by (it is the firmware's that matters), and of its cost. */
#define CHECKER		__attribute__((no_sanitize("coverage")))

enum { OP_CREATE, OP_WRITE, OP_READ, OP_HYP_READ, OP_RELEASE, OP_PRESSURE, OP_CHECKPOINT,
       OP_DELETE };
static const size_t nr_args[] = { 6, 3, 2, 3, 3, 1, 0, 0 };

struct guest {
	int live;
	struct vm vm;
	struct vm_config cfg;
	uint64_t pages;
	uint8_t written[MAX_PAGES];	/* each page's pattern, 0: zero */
};

static struct guest guests[SLOTS];
static struct {
	uint64_t block_size, heap_size, zpool_size, watermark;
	int swap;
	unsigned int next_id;
} run;

/* A page as a guest writes it: zero, runs of bytes, xorshift32 noise over
 * 1 to 16 sixteenths of it (compressible from all to nothing: LZO's
 * output straddles swap-out's threshold), or one word in zeros. */
static CHECKER void page_bytes(uint8_t *out, uint64_t ipa, uint8_t pat)
{
	uint32_t s = (pat * 0x9e3779b1u) ^ (uint32_t)ipa;

	memset(out, 0, PAGE);
	switch (pat & 3) {
	case 1:
		for (unsigned int i = 0; i < PAGE; i++)
			out[i] = (uint8_t)((pat >> 2) + i / 16);
		break;
	case 2:
		s = s ? s : 1;
		for (unsigned int i = 0; i < PAGE / 16 * ((pat >> 2) % 16 + 1); i += 4) {
			s ^= s << 13;
			s ^= s >> 17;
			s ^= s << 5;
			memcpy(out + i, &s, 4);
		}
		break;
	case 3:
		s = pat;
		memcpy(out + pat * 16 % PAGE, &s, 4);
		break;
	}
}

static CHECKER void expect_page(struct guest *g, uint64_t ipa, const uint8_t *at)
{
	uint8_t want[PAGE];

	page_bytes(want, ipa, g->written[(ipa - g->cfg.ipa_base) / PAGE]);
	assert(memcmp(at, want, PAGE) == 0);
}

/* The leaf descriptor of `ipa` in the tables at `root` and the PA it
 * gives, walked as the MMU walks them; NULL when nothing maps it. */
static CHECKER uint64_t *s2_leaf(uint64_t root, uint64_t ipa, uint64_t *pa)
{
	uint64_t *table = (uint64_t *)root;

	for (int level = 1; level <= 3; level++) {
		uint64_t *d = &table[(ipa >> (39 - 9 * level)) & 0x1ff];
		uint64_t span = 1UL << (39 - 9 * level);

		if (!(*d & 1))
			return NULL;
		if (level == 3 || (*d & 3) == 1) {
			assert(level > 1 && (level < 3 || (*d & 3) == 3));
			*pa = (*d & ADDR_MASK & ~(span - 1)) + (ipa & (span - 1));
			return d;
		}
		table = (uint64_t *)(*d & ADDR_MASK);
	}
	return NULL;
}

static CHECKER uint64_t mapped_pages(const uint64_t *table, int level)
{
	uint64_t n = 0;

	for (int i = 0; i < 512; i++) {
		if (!(table[i] & 1))
			continue;
		if (level < 3 && (table[i] & 3) == 3)
			n += mapped_pages((const uint64_t *)(table[i] & ADDR_MASK), level + 1);
		else
			n += 1UL << (9 * (3 - level));
	}
	return n;
}

/* The guest's access to `ipa`: its page in host memory, after whatever
 * faults it takes; NULL when the VM ran out of memory (and was stopped). */
static void stop(struct guest *g, uint64_t code, const char *reason);

static uint8_t *guest_page(struct guest *g, uint64_t ipa)
{
	for (int tries = 0; tries < 2; tries++) {
		uint64_t pa, *d = s2_leaf(g->vm.s2_root, ipa, &pa);

		if (d && (*d & DESC_AF))
			return (uint8_t *)pa;
		lock_take(&mem_lock);
		int done = vm_mem_fault(&g->vm, ipa, d != NULL);

		lock_give(&mem_lock);
		if (done < 0) {
			stop(g, VM_EXIT_FAULT_CODE, "oom");
			return NULL;
		}
		assert(done == 1);	/* guest RAM: handled */
	}
	assert(!"a fault that left the page unmapped");
	return NULL;
}

static CHECKER int by_start(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every list, the heap's accounting and every VM's stage 2. */
static CHECKER void check_all(void)
{
	static uint64_t ranges[MAX_LIVE + 1][2];
	static uintptr_t nodes[MAX_LIVE + 1];
	uint64_t held = 0, low = HEAP_BASE + (run.swap ? run.zpool_size : 0);
	int nr = 0, nn = 0;

	for (int s = 0; s < SLOTS; s++) {
		struct guest *g = &guests[s];
		struct vm_mem_block *prev = NULL;
		uint64_t base = g->cfg.ipa_base, end = base + g->vm.part.size, resident = 0;

		if (!g->live)
			continue;
		for (struct vm_mem_block *b = g->vm.part.blocks; b; prev = b, b = b->next) {
			assert(nn <= MAX_LIVE);	/* more: a cycle */
			nodes[nn++] = (uintptr_t)b;
			assert(b->prev == prev);
			assert(b->size && !((b->ipa | b->size) % PAGE));
			assert(b->ipa >= base && b->ipa + b->size <= end);
			assert(!prev || prev->ipa + prev->size <= b->ipa);
			if (b->state == BLOCK_SWAPPED) {
				assert(b->pa == 0 && !b->pinned && run.swap);
				continue;
			}
			assert(b->state == BLOCK_RESIDENT && b->pa % PAGE == 0);
			assert(b->pa >= low && b->pa + b->size <= HEAP_BASE + run.heap_size);
			ranges[nr][0] = b->pa;
			ranges[nr++][1] = b->size;
			held += b->size;
			resident += b->size / PAGE;
			for (uint64_t off = 0; off < b->size;) {
				uint64_t pa, *d = s2_leaf(g->vm.s2_root, b->ipa + off, &pa);

				assert(d && pa == b->pa + off);
				assert((*d & S2_ATTR_MASK) ==
				       ((S2_NORMAL_RW & ~DESC_AF) | (b->referenced ? DESC_AF : 0)));
				/* A 2 MiB leaf maps the rest of its 2 MiB linearly. */
				off += (*d & 3) == 1 ? (2UL << 20) - (b->ipa + off) % (2UL << 20) : PAGE;
			}
		}
		/* The resident pages are mapped; nothing else is. */
		assert(mapped_pages((const uint64_t *)g->vm.s2_root, 1) == resident);
	}
	qsort(nodes, nn, sizeof(nodes[0]), by_start);
	for (int i = 1; i < nn; i++)
		assert(nodes[i - 1] != nodes[i]);
	qsort(ranges, nr, sizeof(ranges[0]), by_start);
	for (int i = 1; i < nr; i++)
		assert(ranges[i - 1][0] + ranges[i - 1][1] <= ranges[i][0]);
	lock_take(&mem_lock);
	assert(heap_free_bytes() + held == run.heap_size - (low - HEAP_BASE));
	lock_give(&mem_lock);
}

/* What the guest wrote is in its blocks, resident or compressed. */
static CHECKER void check_contents(struct guest *g)
{
	static uint8_t unpacked[SWAP_MAX_BLOCK];

	for (struct vm_mem_block *b = g->vm.part.blocks; b; b = b->next) {
		const uint8_t *at = (const uint8_t *)b->pa;

		if (b->state == BLOCK_SWAPPED && b->kind == SWAP_ZERO) {
			memset(unpacked, 0, b->size);
			at = unpacked;
		} else if (b->state == BLOCK_SWAPPED) {
			lzo_uint len = sizeof(unpacked);

			assert(lzo1x_decompress_safe(zpool_data(b->zoff), b->clen, unpacked, &len,
						     NULL) == LZO_E_OK && len == b->size);
			at = unpacked;
		}
		for (uint64_t off = 0; off < b->size; off += PAGE)
			expect_page(g, b->ipa + off, at + off);
	}
}

/* A page no block backs reads as zero when next touched. */
static CHECKER void forget_unbacked(struct guest *g)
{
	struct vm_mem_block *b = g->vm.part.blocks;

	for (uint64_t p = 0; p < g->pages; p++) {
		uint64_t ipa = g->cfg.ipa_base + p * PAGE;

		while (b && b->ipa + b->size <= ipa)
			b = b->next;
		if (!b || b->ipa > ipa)
			g->written[p] = 0;
	}
}

/* As vm.c stops a VM: vm-exit, its memory back, its tables released. */
static void stop(struct guest *g, uint64_t code, const char *reason)
{
	record("vm-exit vm=0x%x code=0x%lx reason=%s", g->vm.id, (unsigned long)code, reason);
	check_contents(g);
	lock_take(&mem_lock);
	vm_mem_destroy(&g->vm);
	assert(!g->vm.part.blocks);
	s2_destroy(g->vm.s2_root);
	lock_give(&mem_lock);
	g->live = 0;
}

static void create(struct guest *g, const uint8_t *a)
{
	uint64_t size = (a[0] % MAX_BLOCKS + 1) * run.block_size, base, end, pages;

	memset(g, 0, sizeof(*g));
	base = IPA_BASE + (a[1] % 16) * PAGE;	/* not always block-aligned */
	end = base + size;
	pages = size / PAGE;
	g->pages = pages;
	g->cfg.ipa_base = base;
	g->cfg.mem_size = size;
	g->cfg.footprint_ipa = base + (a[2] * pages >> 8) * PAGE;
	g->cfg.footprint_size = (a[3] % 4 + 1) * PAGE;
	if (g->cfg.footprint_size > end - g->cfg.footprint_ipa)
		g->cfg.footprint_size = end - g->cfg.footprint_ipa;
	g->cfg.dtb_ipa = base + (a[4] * pages >> 8) * PAGE;
	g->cfg.dtb_size = ((a[3] >> 4) + 1) * 256;
	if (g->cfg.dtb_size > end - g->cfg.dtb_ipa)
		g->cfg.dtb_size = end - g->cfg.dtb_ipa;
	g->cfg.resident_limit = a[5] % 8;
	g->vm.id = run.next_id++;
	g->vm.cfg = &g->cfg;
	g->vm.part.ipa_base = base;
	g->vm.part.size = size;
	g->vm.part.block_size = run.block_size;
	g->vm.heap_watermark = run.swap ? run.watermark : 0;
	lock_take(&mem_lock);
	g->vm.s2_root = s2_create();
	assert(g->vm.s2_root);
	int failed = vm_mem_create(&g->vm);

	lock_give(&mem_lock);
	g->live = 1;
	if (failed)
		stop(g, VM_EXIT_FAULT_CODE, "oom");
}

/* CRC-32 as traps.c's guest_crc computes it, a table at a time. */
static CHECKER __attribute__((noinline)) uint32_t crc32_update(uint32_t crc, const uint8_t *p,
								uint64_t len)
{
	static uint32_t table[256];

	if (!table[1])
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int bit = 0; bit < 8; bit++)
				c = (c >> 1) ^ (0xedb88320 & -(c & 1));
			table[i] = c;
		}
	for (uint64_t i = 0; i < len; i++)
		crc = (crc >> 8) ^ table[(crc ^ p[i]) & 0xff];
	return crc;
}

/* traps.c's guest_crc, a page at a time: a page that cannot be had fails
 * the hypercall (the guest is told), the VM goes on. */
static void hyp_read(struct guest *g, uint64_t ipa, uint64_t pages)
{
	uint32_t crc = 0xffffffff;

	for (uint64_t p = 0; p < pages; p++) {
		lock_take(&mem_lock);
		uint64_t pa = vm_mem_resident_pa(&g->vm, ipa + p * PAGE);

		lock_give(&mem_lock);
		if (pa == ~0UL)
			return;
		expect_page(g, ipa + p * PAGE, (const uint8_t *)pa);
		crc = crc32_update(crc, (const uint8_t *)pa, PAGE);
	}
	record("guest-crc vm=0x%x ipa=0x%lx size=0x%lx crc=0x%08x", g->vm.id, ipa, pages * PAGE,
	       ~crc);
}

/* The heap, in memory of its own between guard pages: zero at every
 * input's start, as QEMU's RAM at boot; past the input's heap size, none. */
static void setup(const uint8_t *h)
{
	static uint8_t *region;
	unsigned int shift = h[0] % 6;

	if (!region) {
		void *at = (void *)(HEAP_BASE - PAGE);

		region = mmap(at, HEAP_MAX + 2 * PAGE, PROT_NONE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
		assert(region == at);
		assert(lzo_init() == LZO_E_OK);
	}
	run.swap = h[2] & 2;
	run.block_size = shift == 5 && !run.swap ? 2UL << 20 : PAGE << (shift < 5 ? shift : 4);
	run.heap_size = (h[1] % 8 + 1) << 20;
	run.zpool_size = (h[3] % 32 + 1) * PAGE;
	run.watermark = (h[4] % 16) * (64UL << 10);
	run.next_id = 0;
	assert(madvise((void *)HEAP_BASE, HEAP_MAX, MADV_DONTNEED) == 0);
	assert(mprotect((void *)HEAP_BASE, run.heap_size, PROT_READ | PROT_WRITE) == 0);
	if (run.heap_size < HEAP_MAX)
		assert(mprotect((void *)(HEAP_BASE + run.heap_size), HEAP_MAX - run.heap_size,
				PROT_NONE) == 0);
	lock_take(&mem_lock);
	if (run.swap) {
		heap_init(HEAP_BASE, run.heap_size, h[2] & 1);
		assert(zpool_init(run.zpool_size) == 0);
	} else {
		/* zpool.c has no teardown: a zpool the empty heap refuses is off. */
		heap_init(HEAP_BASE, 0, 0);
		assert(zpool_init(PAGE) == -1 && !zpool_enabled());
		heap_init(HEAP_BASE, run.heap_size, h[2] & 1);
	}
	lock_give(&mem_lock);
}

static void operate(struct guest *g, int op, const uint8_t *a)
{
	/* The ops with a page: its index in the first two arguments. */
	uint64_t ipa = op <= OP_RELEASE ? g->cfg.ipa_base + (a[0] | a[1] << 8) % g->pages * PAGE : 0;
	uint8_t *page;

	switch (op) {
	case OP_WRITE:
		page = guest_page(g, ipa);
		if (page) {
			page_bytes(page, ipa, a[2]);
			g->written[(ipa - g->cfg.ipa_base) / PAGE] = a[2] & 3 ? a[2] : 0;
		}
		break;
	case OP_READ:
		page = guest_page(g, ipa);
		if (page)
			expect_page(g, ipa, page);
		break;
	case OP_HYP_READ:
		hyp_read(g, ipa, a[2] % 4 + 1);
		break;
	case OP_RELEASE:
		lock_take(&mem_lock);
		vm_mem_release(&g->vm, ipa + (a[2] & 0x40 ? 0x800 : 0), (a[2] & 0x3f) * PAGE);
		lock_give(&mem_lock);
		forget_unbacked(g);
		break;
	case OP_PRESSURE:
		lock_take(&mem_lock);
		vm_swap_relieve_pressure(&g->vm, a[0] * (16UL << 10));
		lock_give(&mem_lock);
		break;
	case OP_CHECKPOINT:
		lock_take(&mem_lock);
		vm_mem_checkpoint(&g->vm);
		lock_give(&mem_lock);
		break;
	case OP_DELETE:
		stop(g, 0, "delete");
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	record_input(data, size);
	if (size < HEADER)
		return 0;
	setup(data);
	for (size_t i = HEADER; i < size;) {
		int op = data[i] % 8;
		struct guest *g = &guests[(data[i] >> 3) % SLOTS];
		const uint8_t *a = data + i + 1;

		if (i + 1 + nr_args[op] > size)
			break;
		i += 1 + nr_args[op];
		if (op == OP_CREATE && !g->live)
			create(g, a);
		else if (op != OP_CREATE && g->live)
			operate(g, op, a);
		check_all();
	}
	for (int s = 0; s < SLOTS; s++)
		if (guests[s].live)
			stop(&guests[s], 0, "delete");
	/* Nothing leaked: the heap whole but for the zpool, the zpool empty. */
	lock_take(&mem_lock);
	assert(heap_free_bytes() == run.heap_size - (run.swap ? run.zpool_size : 0));
	lock_give(&mem_lock);
	if (run.swap) {
		unsigned long zsize, used;
		unsigned int stored;

		zpool_report(-1);
		assert(sscanf(traced.last, "zpool size=%lx used=%lx stored=%x", &zsize, &used,
			      &stored) == 3 && used == 0 && stored == 0);
	}
	return 0;
}
