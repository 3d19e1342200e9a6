/* Interrupts to vCPUs: the virtual interrupts a VM gets from its devices
 * (SPIs, on the vCPU each is routed to), its vCPUs' timers and the SGIs
 * they send each other (raising one wakes a vCPU waiting in WFI), and a
 * vCPU's interrupt state sampled back from the list registers. */
#ifndef ZVM_VM_IRQ_H
#define ZVM_VM_IRQ_H

#include <stdint.h>

#include "vgic.h"
#include "vm.h"
#include "vm_timer.h"
#include "vuart.h"

/* An edge on one of the VM's SPIs (its virtio interrupt): pending on the
 * vCPU it is routed to, which runs again. */
void vm_raise_spi(struct vm *vm, unsigned int intid);
/* A level-sensitive SPI's line now (its PL011's); the vCPU it is routed to
 * looks again. */
void vm_set_spi_level(struct vm *vm, unsigned int intid, int high);
/* A trapped write of `value` to ICC_SGI1R_EL1 by `from`: SGIs to the vCPUs
 * of its VM it names (a target list at affinity 0.0.0, or every other). */
void vm_send_sgi(struct vcpu *from, uint64_t value);

/* The running vCPU's list registers back into its vGIC state, and the
 * level-sensitive interrupt lines sampled. */
static inline void vm_irq_save(struct vcpu *vcpu)
{
	vgic_save(&vcpu->vgic);
	vgic_set_level(&vcpu->vgic, VUART_VINTID, vuart_irq_level(&vcpu->vm->uart));
	vm_timers_sample(vcpu);
}

#endif
