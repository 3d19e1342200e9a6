/* The description parser (hypervisor/description.c) on arbitrary bytes, as
 * the hypervisor finds them at DESCRIPTION_ADDR: a region of
 * DESCRIPTION_MAX bytes. Beyond no crash and no sanitizer report: it
 * accepts a description or refuses it with exactly one @zvm panic naming
 * the node and property, and what it accepts keeps its promises (every
 * VM's image, DTB and footprint inside its RAM, 1 to 4 vCPUs); what it
 * read is recorded for fuzz/oracles/description.py to read again. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "console_fake.h"
#include "description.h"
#include "memory_map.h"
#include "record.h"

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
	record_input(data, size);
	if (description_parse(region, &d) != 0) {
		assert(traced.count == 1 && strncmp(traced.last, "panic reason=", 13) == 0);
		return 0;
	}
	assert(traced.count == 0);
	record("hypervisor dynamic=%d heap=%lx,%lx block=%lx zpool=%lx watermark=%lx "
	       "timeslice=%lx shell=%d counted=%d balanced=%d", d.dynamic_memory, d.heap_base,
	       d.heap_size, d.block_size, d.zpool_size, d.heap_watermark, d.timeslice_us,
	       d.shell, d.counted_time, d.balanced);
	assert(d.nr_vms >= 0 && d.nr_vms <= MAX_VMS);
	for (int i = 0; i < d.nr_vms; i++) {
		const struct vm_config *vm = &d.vms[i];

		assert(vm->nr_vcpus >= 1 && vm->nr_vcpus <= 4);
		assert(vm->name[sizeof(vm->name) - 1] == 0);
		assert(inside(vm->image_ipa, vm->image_size, vm));
		assert(inside(vm->dtb_ipa, vm->dtb_size, vm));
		assert(inside(vm->footprint_ipa, vm->footprint_size, vm));
		record("vm name=%s vmid=%x vcpus=%x memory=%lx,%lx image=%lx,%lx image-ipa=%lx "
		       "entry=%lx dtb=%lx,%lx dtb-ipa=%lx disk=%lx,%lx os=%d inject=%d",
		       vm->name, vm->vmid, vm->nr_vcpus, vm->ipa_base, vm->mem_size,
		       vm->image_pa, vm->image_size, vm->image_ipa, vm->entry_ipa, vm->dtb_pa,
		       vm->dtb_size, vm->dtb_ipa, vm->disk_base, vm->disk_sectors,
		       vm->linux_guest, vm->inject_faults);
	}
	return 0;
}
