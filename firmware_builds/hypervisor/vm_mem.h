/* A VM's memory: ZVM's vm_mem_partition, in one of two build variants.
 *
 * Static (CONFIG_VM_DYNAMIC_MEMORY off): one contiguous partition from the
 * heap, mapped whole when the VM is created.
 * Dynamic (on): a list of vm_mem_blocks sorted by IPA. Creation allocates
 * only the image's footprint and the guest DTB; a stage-2 translation fault
 * on guest RAM allocates a block of the description's block size, zeroed.
 * Blocks contiguous in both IPA and PA merge; a release splits them.
 * See docs/memory.md. */
#ifndef ZVM_VM_MEM_H
#define ZVM_VM_MEM_H

#include <stdint.h>

struct vm;

enum block_state { BLOCK_RESIDENT, BLOCK_SWAPPED };
enum swap_kind { SWAP_LZO, SWAP_ZERO };

struct vm_mem_block {
	uint64_t ipa, pa, size;		/* pa is 0 while swapped out */
	struct vm_mem_block *prev, *next;
	uint8_t state;			/* enum block_state */
	uint8_t pinned;			/* the guest's image footprint: never swapped */
	uint8_t unswappable;		/* found incompressible once: stays resident */
	uint8_t referenced;		/* the stage-2 access flag: set, or cleared by CLOCK */
	uint8_t kind;			/* enum swap_kind, while swapped */
	uint64_t zoff, clen;		/* where in the zpool, while swapped */
};

struct vm_mem_partition {
	uint64_t ipa_base, size;
	uint64_t pa_base;		/* static: the partition */
	uint64_t block_size;		/* dynamic: demand allocation unit */
	struct vm_mem_block *blocks;	/* dynamic: sorted by IPA */
	uint64_t clock_hand;		/* swap: the IPA the victim search resumes at */
};

/* Each with the memory lock held (locks.h), but vm_read and vm_write,
 * which take it page by page. */

/* 0, or -1 when the heap cannot hold what creation needs (@zvm oom). */
int vm_mem_create(struct vm *vm);
/* A stage-2 translation (or, with `access_flag`, access flag) fault at `ipa`:
 * 1 when memory now backs it (resume the guest), 0 when `ipa` is not guest
 * RAM, -1 when the heap is exhausted. */
int vm_mem_fault(struct vm *vm, uint64_t ipa, int access_flag);
/* The guest gives [ipa, ipa+size) back: 0, or -1 when refused. */
int vm_mem_release(struct vm *vm, uint64_t ipa, uint64_t size);
/* @zvm memlist and @zvm heap. */
void vm_mem_checkpoint(struct vm *vm);
/* Everything back to the heap. */
void vm_mem_destroy(struct vm *vm);
/* The host PA behind guest RAM at `ipa`, or ~0 when none is mapped. */
uint64_t vm_mem_host_pa(struct vm *vm, uint64_t ipa);
/* The same, for the hypervisor about to read or write guest memory itself
 * (the virtio back-end, a checksum hypercall): a swapped-out block is
 * brought back first. ~0 when `ipa` is not guest RAM or memory ran out. */
uint64_t vm_mem_resident_pa(struct vm *vm, uint64_t ipa);
/* Copies between the hypervisor and guest RAM through vm_mem_resident_pa
 * (vm_mem_copy.c): 0, or -1 when some of [ipa, ipa+len) is not the VM's RAM. */
int vm_read(struct vm *vm, uint64_t ipa, void *dst, uint64_t len);
int vm_write(struct vm *vm, uint64_t ipa, const void *src, uint64_t len);

/* Dynamic builds: @zvm memstats, what demand allocation and swap cost. */
void vm_mem_report_stats(void);


#endif
