#ifndef FUZZ_VM_MEM_FAKE_H
#define FUZZ_VM_MEM_FAKE_H

/* Guest RAM for the units built on the host: vm->part as the static build
 * keeps it (ipa_base, size, pa_base the host address), each VM's RAM a
 * mapping with an inaccessible page on either side, so that any access
 * outside the VM's memory faults. */
#include <stdint.h>

struct vm;

/* Maps `size` bytes of zeroed RAM at `ipa_base` for `vm` (once: later
 * calls only zero it again, cheaply: untouched pages cost nothing). */
void vm_mem_fake_map(struct vm *vm, uint64_t ipa_base, uint64_t size);
/* The host address of [ipa, ipa+len) if all of it is the VM's RAM, or NULL:
 * what the guest itself can write. */
uint8_t *vm_mem_fake_at(struct vm *vm, uint64_t ipa, uint64_t len);

#endif
