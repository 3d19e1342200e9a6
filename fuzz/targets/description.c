/* The description parser (hypervisor/description.c) on arbitrary bytes, as
 * the hypervisor finds them at DESCRIPTION_ADDR: a region of
 * DESCRIPTION_MAX bytes. Beyond no crash and no sanitizer report: it
 * accepts a description or refuses it with exactly one @zvm panic naming
 * the node and property, and what it accepts keeps its promises (every
 * VM's image, DTB and footprint inside its RAM, 1 to 4 vCPUs). */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "console_fake.h"
#include "description.h"
#include "memory_map.h"

static int inside(uint64_t base, uint64_t size, const struct vm_config *vm)
{
	return base >= vm->ipa_base && base + size <= vm->ipa_base + vm->mem_size &&
	       base + size >= base;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t region[DESCRIPTION_MAX / 8];
	static struct description d;

	if (size > sizeof(region))
		return 0;
	memset(region, 0, sizeof(region));
	memcpy(region, data, size);
	traced.count = 0;
	if (description_parse(region, &d) != 0) {
		assert(traced.count == 1 && strncmp(traced.last, "panic reason=", 13) == 0);
		return 0;
	}
	assert(traced.count == 0);
	assert(d.nr_vms >= 0 && d.nr_vms <= MAX_VMS);
	for (int i = 0; i < d.nr_vms; i++) {
		const struct vm_config *vm = &d.vms[i];

		assert(vm->nr_vcpus >= 1 && vm->nr_vcpus <= 4);
		assert(vm->name[sizeof(vm->name) - 1] == 0);
		assert(inside(vm->image_ipa, vm->image_size, vm));
		assert(inside(vm->dtb_ipa, vm->dtb_size, vm));
		assert(inside(vm->footprint_ipa, vm->footprint_size, vm));
	}
	return 0;
}
