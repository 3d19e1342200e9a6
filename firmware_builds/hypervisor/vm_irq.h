/* Interrupts to VMs: the virtual interrupts a VM gets for its virtio device,
 * its timers and the SGIs it sends itself (raising one wakes a VM waiting in
 * WFI), and its interrupt state sampled back from the list registers. */
#ifndef ZVM_VM_IRQ_H
#define ZVM_VM_IRQ_H

#include <stdint.h>

#include "vgic.h"
#include "vm.h"
#include "vm_timer.h"
#include "vuart.h"

/* The VM's virtio interrupt: pending in its list register, and it runs again. */
void vm_raise_irq(struct vm *vm);
/* A trapped write to ICC_SGI1R_EL1: an SGI to itself, the only vCPU. */
void vm_send_sgi(uint64_t value);

/* The running VM's list registers back into its vGIC state, and its
 * level-sensitive interrupt lines sampled. */
static inline void vm_irq_save(struct vm *vm)
{
	vgic_save(&vm->vgic);
	vgic_set_level(&vm->vgic, VUART_VINTID, vuart_irq_level(&vm->uart));
	vm_timers_sample(vm);
}

#endif
