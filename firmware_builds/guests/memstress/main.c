/* memstress: fills its RAM, region by region, with a seeded pattern, then
 * reads every region back and reports its CRC-32. harness/guests/memstress.py
 * (and harness/models/memblock.py the memory events it causes) predict every
 * line. Parameters (/chosen, all optional): zvm,seed, zvm,region-size,
 * zvm,order-seed (shuffled touch order), zvm,release-offset and
 * zvm,release-size (a range to give back and refill), zvm,bogus-release-ipa
 * and -size (a release the hypervisor must refuse), zvm,stray-ipa (an
 * address outside its RAM to read: the hypervisor must stop this VM only),
 * zvm,data-kinds (regions of zeros, text and noise: what swap compresses),
 * zvm,hyp-crc-region (a region the hypervisor reads itself after the fill),
 * zvm,crash-ipa (a stray access the models are not told about: a crash for
 * the harness's own failure-reporting tests), zvm,wait-first and
 * zvm,pause-after-fill (WFIs before starting, and between fill and verify:
 * the other VMs run meanwhile), zvm,expect-zero (each region is read before
 * it is filled and must be zero: memory never carries a previous owner's data),
 * zvm,vcpus (its vCPUs share the regions: region k is vCPU k % vcpus's, and
 * they take turns in region order, so that memory is touched in the order one
 * vCPU would touch it, from several physical CPUs). */
#include <stdint.h>

#include "guest.h"

/* What a region holds: with data-kinds set, region i is zeros (i % 3 == 0),
 * repeated text (1) or seeded noise (2); otherwise always seeded noise. */
/* DATA_LAST_WORD: zeros but for the last word (the seed), so that a check
 * for an all-zero block must read to its end. DATA_SPARSE_NOISE: noise with
 * every fourth word zero, which LZO1X-1 shrinks by less than an eighth. */
enum data_kind { DATA_ZERO, DATA_TEXT, DATA_NOISE, DATA_LAST_WORD, DATA_SPARSE_NOISE };

static const uint32_t text_words[8] = {	/* "memstress repeats this text.    " */
	0x736d656d, 0x73657274, 0x65722073, 0x74616570, 0x68742073, 0x74207369,
	0x2e747865, 0x20202020,
};

static int data_kinds;

static enum data_kind kind_of(uint64_t index)
{
	/* data-kinds N: the first N + 2 kinds in turn (0: noise only). */
	return data_kinds ? (enum data_kind)(index % (uint64_t)(data_kinds + 2)) : DATA_NOISE;
}

static uint32_t region_seed(uint64_t seed, uint64_t index)
{
	uint32_t s = (uint32_t)(seed * 0x9e3779b1u + index + 1);

	return s ? s : 1;
}

static uint32_t word_at(enum data_kind kind, uint64_t i, uint64_t count, uint32_t *state)
{
	switch (kind) {
	case DATA_ZERO:
		return 0;
	case DATA_TEXT:
		return text_words[i % 8];
	case DATA_LAST_WORD:
		return i + 1 == count ? *state : 0;
	case DATA_SPARSE_NOISE:
		*state = xorshift32(*state);
		return i % 4 ? *state : 0;
	default:
		*state = xorshift32(*state);
		return *state;
	}
}

static void fill(uint32_t *words, uint64_t count, uint64_t index, uint32_t state)
{
	for (uint64_t i = 0; i < count; i++)
		words[i] = word_at(kind_of(index), i, count, &state);
}

static uint64_t count_mismatches(const uint32_t *words, uint64_t count, uint64_t index,
				 uint32_t state)
{
	uint64_t bad = 0;

	for (uint64_t i = 0; i < count; i++)
		bad += words[i] != word_at(kind_of(index), i, count, &state);
	return bad;
}

static void wait_times(uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		__asm__ volatile("wfi" ::: "memory");
}

static uint64_t count_nonzero(const uint32_t *words, uint64_t count)
{
	uint64_t nonzero = 0;

	for (uint64_t i = 0; i < count; i++)
		nonzero += words[i] != 0;
	return nonzero;
}

static uint64_t hypervisor_crc(uint64_t ipa, uint64_t size)
{
	uint64_t x0 = guest_hvc(ZVM_HVC_GUEST_CRC, ipa, size);

	guest_printf("@guest hyp-crc ipa=0x%lx size=0x%lx crc=0x%lx\n", ipa, size, x0);
	return x0;
}

/* The order regions are first touched in: ascending, or shuffled
 * (Fisher-Yates driven by xorshift32) when order-seed is set. */
static void touch_order(uint32_t *order, uint64_t count, uint32_t order_seed)
{
	for (uint64_t i = 0; i < count; i++)
		order[i] = i;
	if (!order_seed)
		return;
	uint32_t state = order_seed;

	for (uint64_t i = count - 1; i > 0; i--) {
		state = xorshift32(state);
		uint64_t j = state % (i + 1);
		uint32_t t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
}

static int64_t release(uint64_t ipa, uint64_t size)
{
	uint64_t x0 = guest_hvc(ZVM_HVC_RELEASE, ipa, size);

	guest_printf("@guest release ipa=0x%lx size=0x%lx ret=0x%lx\n", ipa, size, x0);
	return (int64_t)x0;
}

static void checkpoint(void)
{
	guest_hvc(ZVM_HVC_CHECKPOINT, 0, 0);
}

#define MAX_REGIONS 4096
static uint32_t order[MAX_REGIONS];

/* What the vCPUs share: the regions, whose turn it is, and how far they got. */
static struct {
	uint64_t start, region, count, seed, expect_zero;
	unsigned int vcpus;
	volatile uint32_t turn, filled, verified, verifying;
	volatile uint64_t mismatches;
} work = { .vcpus = 1 };

static void pass_turn(unsigned int me)
{
	__atomic_store_n(&work.turn, (me + 1) % work.vcpus, __ATOMIC_RELEASE);
}

static void wait_until(volatile uint32_t *counter, uint32_t value)
{
	while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) != value)
		__asm__ volatile("yield");
}

/* Region order[k] for each k that is vCPU `me`'s, in its turn. */
static void fill_share(unsigned int me)
{
	for (uint64_t k = me; k < work.count; k += work.vcpus) {
		uint32_t *words = (uint32_t *)(work.start + order[k] * work.region);

		wait_until(&work.turn, me);
		if (work.expect_zero)
			guest_printf("@guest fresh idx=0x%x nonzero=0x%lx\n", order[k],
				     count_nonzero(words, work.region / 4));
		fill(words, work.region / 4, order[k], region_seed(work.seed, order[k]));
		__atomic_add_fetch(&work.filled, 1, __ATOMIC_RELEASE);
		pass_turn(me);
	}
}

/* Region i for each i that is vCPU `me`'s, checked and reported in its turn. */
static void verify_share(unsigned int me)
{
	for (uint64_t i = me; i < work.count; i += work.vcpus) {
		const void *base = (const void *)(work.start + i * work.region);

		wait_until(&work.turn, me);
		work.mismatches += count_mismatches(base, work.region / 4, i,
						    region_seed(work.seed, i));
		guest_printf("@guest region idx=0x%lx ipa=0x%lx size=0x%lx crc=0x%08x\n",
			     i, (uint64_t)base, work.region, crc32_update(0, base, work.region));
		__atomic_add_fetch(&work.verified, 1, __ATOMIC_RELEASE);
		pass_turn(me);
	}
}

/* Another vCPU: its share of the fill, then, once vCPU 0 has checkpointed,
 * of the verification; then it turns itself off. */
static void secondary(unsigned int me)
{
	fill_share(me);
	wait_until(&work.verifying, 1);
	verify_share(me);
}

/* Phases: (a release of memory it does not own, if asked), fill every region
 * in touch order, checkpoint, release a range and refill what it covered,
 * checkpoint, verify every region and report its CRC. */
int guest_main(const void *dtb)
{
	uint64_t seed = guest_param(dtb, "seed", 1);
	uint64_t region = guest_param(dtb, "region-size", 0x10000);
	uint64_t release_offset = guest_param(dtb, "release-offset", 0);
	uint64_t release_size = guest_param(dtb, "release-size", 0);
	uint64_t bogus_ipa = guest_param(dtb, "bogus-release-ipa", 0);
	uint64_t bogus_size = guest_param(dtb, "bogus-release-size", 0x1000);
	uint64_t stray = guest_param(dtb, "stray-ipa", 0);
	uint64_t crash = guest_param(dtb, "crash-ipa", 0);
	uint64_t order_seed = guest_param(dtb, "order-seed", 0);
	uint64_t hyp_crc_region = guest_param(dtb, "hyp-crc-region", ~0UL);
	uint64_t wait_first = guest_param(dtb, "wait-first", 0);
	uint64_t pause = guest_param(dtb, "pause-after-fill", 0);
	uint64_t expect_zero = guest_param(dtb, "expect-zero", 0);
	uint64_t vcpus = guest_param(dtb, "vcpus", 1);
	uint64_t ram_base, ram_size;

	/* Every parameter is read now: later, the DTB's block may be swapped out. */
	data_kinds = (int)guest_param(dtb, "data-kinds", 0);

	if (guest_memory(dtb, &ram_base, &ram_size) || region == 0 || region % 4096)
		return 0xbad;
	/* From the end of the image to the DTB, which sits at the top of RAM. */
	uint64_t start = ((uint64_t)__image_end + region - 1) & ~(region - 1);
	uint64_t count = ((uint64_t)dtb - start) / region;

	if (count > MAX_REGIONS || vcpus == 0 || vcpus > 4)
		return 0xbad;
	work.start = start;
	work.region = region;
	work.count = count;
	work.seed = seed;
	work.expect_zero = expect_zero;
	wait_times(wait_first);
	guest_printf("@guest memstress-start seed=0x%lx regions=0x%lx region-size=0x%lx\n",
		     seed, count, region);
	if (stray)
		(void)*(volatile uint32_t *)stray;
	if (crash)	/* the same, but no model expects it: the harness's crash tests */
		(void)*(volatile uint32_t *)crash;
	if (bogus_ipa)
		release(bogus_ipa, bogus_size);
	touch_order(order, count, (uint32_t)order_seed);
	work.vcpus = vcpus;
	for (unsigned int v = 1; v < vcpus; v++)
		if (guest_cpu_on(v, secondary) != 0)
			return 0xbad;
	fill_share(0);
	wait_until(&work.filled, count);
	checkpoint();
	wait_times(pause);
	if (hyp_crc_region < count)
		hypervisor_crc(start + hyp_crc_region * region, region);
	if (release_size) {
		uint64_t ipa = start + release_offset;

		if (release(ipa, release_size) == 0) {
			/* Released memory comes back zeroed: write those regions again. */
			for (uint64_t i = 0; i < count; i++) {
				uint64_t r = start + i * region;

				if (r < ipa + release_size && ipa < r + region)
					fill((uint32_t *)r, region / 4, i, region_seed(seed, i));
			}
		}
		checkpoint();
	}
	__atomic_store_n(&work.turn, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&work.verifying, 1, __ATOMIC_RELEASE);
	verify_share(0);
	wait_until(&work.verified, count);
	for (unsigned int v = 1; v < vcpus; v++)	/* each turns itself off when done */
		while (guest_cpu_is_on(v))
			__asm__ volatile("yield");
	guest_printf("@guest memstress-done mismatches=0x%lx\n", work.mismatches);
	return work.mismatches ? 1 : 0;
}
