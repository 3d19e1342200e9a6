#include <string.h>

#include <libfdt.h>

#include "console.h"
#include "description.h"
#include "memory_map.h"
#include "stage2.h"
#include "vgic.h"

static int bad(const char *node, const char *prop)
{
	zvm_trace("panic", "reason=bad-description node=%s prop=%s", node, prop);
	return -1;
}

/* A property of one 64-bit value (two cells) or two (base, size). */
static int get_u64s(const void *fdt, int node, const char *name, uint64_t *out, int count)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p || len != count * 8)
		return -1;
	for (int i = 0; i < count; i++)
		out[i] = ((uint64_t)fdt32_to_cpu(p[2 * i]) << 32) | fdt32_to_cpu(p[2 * i + 1]);
	return 0;
}

/* A (base, size) property into two fields. */
static int get_range(const void *fdt, int node, const char *name, uint64_t *base, uint64_t *size)
{
	uint64_t pair[2];

	if (get_u64s(fdt, node, name, pair, 2))
		return -1;
	*base = pair[0];
	*size = pair[1];
	return 0;
}

static int get_u32(const void *fdt, int node, const char *name, uint32_t *out)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (!p || len != 4)
		return -1;
	*out = fdt32_to_cpu(*p);
	return 0;
}

/* Whether [base, base + size) lies in the VM's RAM: compared without a
 * sum that could wrap round (a size near 2^64 would pass `base + size <=
 * end`). */
static int in_ram(const struct vm_config *vm, uint64_t base, uint64_t size)
{
	return base >= vm->ipa_base && size <= vm->mem_size &&
	       base - vm->ipa_base <= vm->mem_size - size;
}

static int parse_vm(const void *fdt, int node, struct vm_config *vm)
{
	const char *node_name = fdt_get_name(fdt, node, NULL);
	const char *name = fdt_getprop(fdt, node, "vm-name", NULL);

	if (!name || strlen(name) >= sizeof(vm->name))
		return bad(node_name, "vm-name");
	strcpy(vm->name, name);
	const char *guest = fdt_getprop(fdt, node, "guest", NULL);	/* optional */

	strncpy(vm->guest, guest ? guest : "-", sizeof(vm->guest) - 1);
	if (get_u32(fdt, node, "vmid", &vm->vmid) || vm->vmid == 0 || vm->vmid > 0xff)
		return bad(node_name, "vmid");
	vm->nr_vcpus = 1;						/* optional */
	if (fdt_getprop(fdt, node, "vcpus", NULL) &&
	    (get_u32(fdt, node, "vcpus", &vm->nr_vcpus) || vm->nr_vcpus == 0 ||
	     vm->nr_vcpus > VGIC_MAX_VCPUS))
		return bad(node_name, "vcpus");
	int len;
	const fdt32_t *cpus = fdt_getprop(fdt, node, "affinity", &len);	/* optional */

	if (cpus && len != (int)(4 * vm->nr_vcpus))
		return bad(node_name, "affinity");
	for (unsigned int i = 0; cpus && i < vm->nr_vcpus; i++)
		vm->affinity[i] = fdt32_to_cpu(cpus[i]);
	vm->placed = cpus != NULL;
	if (get_range(fdt, node, "memory", &vm->ipa_base, &vm->mem_size) ||
	    vm->mem_size == 0 || vm->ipa_base >= IPA_LIMIT || vm->mem_size > IPA_LIMIT - vm->ipa_base)
		return bad(node_name, "memory");
	if (get_range(fdt, node, "image", &vm->image_pa, &vm->image_size))
		return bad(node_name, "image");
	if (get_u64s(fdt, node, "image-ipa", &vm->image_ipa, 1))
		return bad(node_name, "image-ipa");
	if (get_u64s(fdt, node, "entry", &vm->entry_ipa, 1))
		return bad(node_name, "entry");
	if (get_range(fdt, node, "footprint", &vm->footprint_ipa, &vm->footprint_size))
		return bad(node_name, "footprint");
	get_u64s(fdt, node, "resident-limit", &vm->resident_limit, 1);	/* optional */
	get_range(fdt, node, "disk", &vm->disk_base, &vm->disk_sectors);	/* optional */
	if (get_range(fdt, node, "passthrough", &vm->passthrough_pa,
		      &vm->passthrough_size) == 0 &&				/* optional */
	    ((vm->passthrough_pa | vm->passthrough_size) & 0xfff ||
	     vm->passthrough_pa >= RAM_BASE ||
	     vm->passthrough_pa + vm->passthrough_size > RAM_BASE))
		return bad(node_name, "passthrough");	/* device memory only */
	if (get_range(fdt, node, "dtb", &vm->dtb_pa, &vm->dtb_size))
		return bad(node_name, "dtb");
	if (get_u64s(fdt, node, "dtb-ipa", &vm->dtb_ipa, 1))
		return bad(node_name, "dtb-ipa");
	if (get_range(fdt, node, "initrd", &vm->initrd_pa, &vm->initrd_size) == 0 &&	/* optional */
	    (get_u64s(fdt, node, "initrd-ipa", &vm->initrd_ipa, 1) ||
	     !in_ram(vm, vm->initrd_ipa, vm->initrd_size)))
		return bad(node_name, "initrd-ipa");
	const char *kind = fdt_getprop(fdt, node, "kind", NULL);	/* optional */

	/* "os": an operating system of its own (Linux, Zephyr, a test suite's
	 * kernel); "linux", its older name. */
	vm->linux_guest = kind && (strcmp(kind, "os") == 0 || strcmp(kind, "linux") == 0);
	int stop_len;
	const char *stop = fdt_getprop(fdt, node, "stop-after", &stop_len);	/* optional */

	if (stop && (stop_len < 2 || stop_len > (int)sizeof(vm->stop_after) || stop[stop_len - 1]))
		return bad(node_name, "stop-after");
	if (stop)
		memcpy(vm->stop_after, stop, stop_len);
	vm->stop_count = 1;
	if (stop && fdt_getprop(fdt, node, "stop-count", NULL) &&	/* optional */
	    (get_u32(fdt, node, "stop-count", &vm->stop_count) || vm->stop_count == 0))
		return bad(node_name, "stop-count");
	const char *on_fault = fdt_getprop(fdt, node, "on-fault", NULL);	/* optional */

	vm->inject_faults = on_fault && strcmp(on_fault, "inject") == 0;
	vm->offered = fdt_getprop(fdt, node, "offered", NULL) != NULL;	/* optional */
	/* The image and the DTB must land inside the VM's RAM. */
	if (!in_ram(vm, vm->image_ipa, vm->image_size))
		return bad(node_name, "image-ipa");
	if (!in_ram(vm, vm->dtb_ipa, vm->dtb_size))
		return bad(node_name, "dtb-ipa");
	if (!in_ram(vm, vm->footprint_ipa, vm->footprint_size))
		return bad(node_name, "footprint");
	return 0;
}

int description_parse(const void *fdt, struct description *out)
{
	uint32_t timeslice;
	int hyp, node;

	memset(out, 0, sizeof(*out));
	/* The header's sizes too: libfdt reads as far as they say, and past
	 * the description's region is the hypervisor's own memory. */
	if (fdt_check_header(fdt) != 0 || fdt_totalsize(fdt) > DESCRIPTION_MAX)
		return bad("/", "header");
	hyp = fdt_path_offset(fdt, "/hypervisor");
	if (hyp < 0)
		return bad("/hypervisor", "node");
	const char *mode = fdt_getprop(fdt, hyp, "memory-mode", NULL);

	if (!mode || (strcmp(mode, "static") != 0 && strcmp(mode, "dynamic") != 0))
		return bad("hypervisor", "memory-mode");
	out->dynamic_memory = strcmp(mode, "dynamic") == 0;
#ifdef CONFIG_VM_DYNAMIC_MEMORY
	if (!out->dynamic_memory)
		return bad("hypervisor", "memory-mode");	/* built dynamic, described static */
	if (get_u64s(fdt, hyp, "block-size", &out->block_size, 1) || out->block_size < 4096 ||
	    (out->block_size & (out->block_size - 1)))
		return bad("hypervisor", "block-size");
	get_u64s(fdt, hyp, "zpool-size", &out->zpool_size, 1);		/* optional */
	get_u64s(fdt, hyp, "heap-watermark", &out->heap_watermark, 1);	/* optional */
	if (out->zpool_size && out->block_size > SWAP_MAX_BLOCK)
		return bad("hypervisor", "block-size");
#else
	if (out->dynamic_memory)
		return bad("hypervisor", "memory-mode");	/* built static, described dynamic */
#endif
	if (get_range(fdt, hyp, "heap", &out->heap_base, &out->heap_size))
		return bad("hypervisor", "heap");
	out->heap_zeroed = fdt_getprop(fdt, hyp, "heap-zeroed", NULL) != NULL;	/* optional */
	out->shell = fdt_getprop(fdt, hyp, "shell", NULL) != NULL;		/* optional */
	out->counted_time = fdt_getprop(fdt, hyp, "counted-time", NULL) != NULL;	/* optional */
	const char *placement = fdt_getprop(fdt, hyp, "placement", NULL);	/* optional */

	if (placement && strcmp(placement, "balanced") != 0 && strcmp(placement, "boot-cpu") != 0)
		return bad("hypervisor", "placement");
	out->balanced = placement && strcmp(placement, "balanced") == 0;
	if (get_u32(fdt, hyp, "timeslice-us", &timeslice) || timeslice == 0)
		return bad("hypervisor", "timeslice-us");
	out->timeslice_us = timeslice;

	fdt_for_each_subnode(node, fdt, 0) {
		const char *name = fdt_get_name(fdt, node, NULL);

		if (strncmp(name, "vm@", 3) != 0)
			continue;
		if (out->nr_vms == MAX_VMS)
			return bad(name, "too-many-vms");
		if (parse_vm(fdt, node, &out->vms[out->nr_vms]))
			return -1;
		out->nr_vms++;
	}
	return 0;
}
