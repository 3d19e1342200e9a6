/* Per-VM stage-2 translation tables (IPA -> PA): 4 KiB granule, 32-bit IPA,
 * walk starting at level 1, as harness/models/stage2.py models them. Regions are
 * mapped with 2 MiB level-2 blocks where IPA and PA are both 2 MiB aligned,
 * 4 KiB level-3 pages elsewhere. */
#ifndef ZVM_STAGE2_H
#define ZVM_STAGE2_H

#include <stdint.h>

/* VTCR_EL2: T0SZ=32, SL0=1 (level 1), inner/outer write-back walks,
 * inner shareable, 4 KiB granule, PS=40-bit, RES1 bit 31. */
#define VTCR_EL2_VALUE		0x80023560UL

#define PAGE			4096UL	/* the granule */
#define IPA_LIMIT		(1UL << 32)	/* T0SZ = 32: a VM's whole IPA space */

/* Leaf attributes (descriptor bits [10:2] and XN [54:53]). */
#define S2_NORMAL_RW		0x7fcUL	/* Normal WB, S2AP rw, inner shareable, AF */
#define S2_DEVICE_RW		(0x4c4UL | (1UL << 54))	/* Device-nGnRE, rw, AF, never executable */
#define S2_ATTR_MASK		(0x7fcUL | (3UL << 53))


/* Root table PA (aligned), 0 when the table pool is exhausted. */
uint64_t s2_create(void);
/* Every table of the VM rooted at `root` back to the pool (a deleted VM's;
 * its TLB entries are the caller's to invalidate). */
void s2_destroy(uint64_t root);
/* 0 on success, -1 when the table pool runs out. Reports @zvm s2-map. */
int s2_map(unsigned int vm, uint64_t root, uint64_t ipa, uint64_t pa, uint64_t size,
	   uint64_t attrs);
/* Removes the mappings of [ipa, ipa+size) (breaking a 2 MiB block into pages
 * where only part of it goes) and invalidates their TLB entries. Must run
 * with the VM's VMID in VTTBR_EL2 (a trap from that VM). Reports @zvm s2-unmap. */
int s2_unmap(unsigned int vm, uint64_t root, uint64_t ipa, uint64_t size);
/* Sets or clears the access flag of the leaf entries of [ipa, ipa+size) and
 * invalidates their TLB entries, so that the next access with the flag clear
 * takes an access flag fault (VTCR_EL2.HA is 0: no hardware update). Must run
 * with the VM's VMID in VTTBR_EL2. */
void s2_set_access_flag(uint64_t root, uint64_t ipa, uint64_t size, int set);

static inline uint64_t s2_vttbr(uint64_t root, unsigned int vmid)
{
	return root | ((uint64_t)vmid << 48);	/* VMID in bits [63:48], as the Arm ARM says */
}

#endif
