/* memstress: fills its RAM, region by region, with a seeded pattern, then
 * reads every region back and reports its CRC-32. harness/models/memstress.py
 * predicts every line. Parameters (/chosen): zvm,seed, zvm,region-size, and
 * zvm,stray-ipa: an address outside its RAM to read first (the isolation
 * test: the hypervisor must stop this VM and no other). */
#include <stdint.h>

#include "guest.h"

static uint32_t region_seed(uint64_t seed, uint64_t index)
{
	uint32_t s = (uint32_t)(seed * 0x9e3779b1u + index + 1);

	return s ? s : 1;
}

static void fill(uint32_t *words, uint64_t count, uint32_t state)
{
	for (uint64_t i = 0; i < count; i++) {
		state = xorshift32(state);
		words[i] = state;
	}
}

static uint64_t count_mismatches(const uint32_t *words, uint64_t count, uint32_t state)
{
	uint64_t bad = 0;

	for (uint64_t i = 0; i < count; i++) {
		state = xorshift32(state);
		bad += words[i] != state;
	}
	return bad;
}

int guest_main(const void *dtb)
{
	uint64_t seed = guest_param(dtb, "seed", 1);
	uint64_t region = guest_param(dtb, "region-size", 0x10000);
	uint64_t ram_base, ram_size, mismatches = 0;

	if (guest_memory(dtb, &ram_base, &ram_size) || region == 0 || region % 4096)
		return 0xbad;
	/* From the end of the image to the DTB, which sits at the top of RAM. */
	uint64_t start = ((uint64_t)__image_end + region - 1) & ~(region - 1);
	uint64_t count = ((uint64_t)dtb - start) / region;

	guest_printf("@guest memstress-start seed=0x%lx regions=0x%lx region-size=0x%lx\n",
		     seed, count, region);
	uint64_t stray = guest_param(dtb, "stray-ipa", 0);

	if (stray)
		(void)*(volatile uint32_t *)stray;
	for (uint64_t i = 0; i < count; i++)
		fill((uint32_t *)(start + i * region), region / 4, region_seed(seed, i));
	for (uint64_t i = 0; i < count; i++) {
		const void *base = (const void *)(start + i * region);

		mismatches += count_mismatches(base, region / 4, region_seed(seed, i));
		guest_printf("@guest region idx=0x%lx ipa=0x%lx size=0x%lx crc=0x%08x\n",
			     i, (uint64_t)base, region, crc32_update(0, base, region));
	}
	guest_printf("@guest memstress-done mismatches=0x%lx\n", mismatches);
	return mismatches ? 1 : 0;
}
