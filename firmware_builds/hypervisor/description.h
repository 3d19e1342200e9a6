/* The hypervisor's description of its VMs: a flattened device tree the
 * harness builds from a scenario (harness/plan.py) and places at
 * DESCRIPTION_ADDR (memory_map.h) before the CPU starts. See docs/description.md. */
#ifndef ZVM_DESCRIPTION_H
#define ZVM_DESCRIPTION_H

#include <stdint.h>

#define MAX_VMS			8
#define SWAP_MAX_BLOCK		0x10000UL	/* swap compresses blocks of at most 64 KiB */

struct vm_config {
	char name[32];
	char guest[24];				/* its guest kind's name, for the shell's info */
	uint32_t vmid;
	uint32_t nr_vcpus;			/* 1 to MAX_VCPUS */
	uint32_t affinity[4];			/* each vCPU's physical CPU, if placed */
	int placed;				/* affinity given */
	uint64_t ipa_base, mem_size;		/* guest RAM */
	uint64_t image_pa, image_size;		/* staged by the harness */
	uint64_t image_ipa, entry_ipa;
	uint64_t footprint_ipa, footprint_size;	/* image, bss and stack: backed at creation */
	uint64_t resident_limit;		/* swap: blocks resident before pressure, 0: none */
	uint64_t disk_base, disk_sectors;	/* its range of the host disk; 0 sectors: none */
	uint64_t passthrough_pa, passthrough_size;	/* a device page mapped as is (benchmarks) */
	uint64_t dtb_pa, dtb_size, dtb_ipa;	/* the guest's own DTB, handed over in x0 */
	uint64_t initrd_pa, initrd_size, initrd_ipa;	/* optional: a Linux initramfs */
	int linux_guest;			/* an OS: its own stage 1, GICv3, PL011 and timer */
	char stop_after[64];			/* a console line starting so ends it, or "" */
	uint32_t stop_count;			/* after that many such lines */
	int inject_faults;			/* its own faults go to it, not stop it */
	int offered;				/* created by the shell's `new`, not at boot */
};

struct description {
	int dynamic_memory;
	uint64_t heap_base, heap_size;
	int heap_zeroed;			/* the heap reads as zero at boot (QEMU) */
	uint64_t block_size;			/* dynamic mode's allocation unit */
	uint64_t zpool_size;			/* swap: the compression partition, 0: no swap */
	uint64_t heap_watermark;		/* swap: free heap below which pressure starts */
	uint64_t timeslice_us;
	int shell;				/* the shell on the console; off only at `poweroff` */
	int counted_time;			/* the board's time is its instructions (-icount) */
	int balanced;				/* vCPUs not placed go round the CPUs, not
						 * all on the boot CPU */
	int nr_vms;
	struct vm_config vms[MAX_VMS];
};

/* 0 on success; otherwise reports @zvm panic naming the bad node or property. */
int description_parse(const void *fdt, struct description *out);

#endif
