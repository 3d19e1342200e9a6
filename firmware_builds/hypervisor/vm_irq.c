#include "sched_log.h"
#include "sysregs.h"
#include "vgic.h"
#include "virtio.h"
#include "vm.h"
#include "vm_irq.h"
#include "vm_sched.h"

/* ICC_SGI1R_EL1's fields. */
#define SGI1R_TARGETS(v)	((v) & 0xffff)
#define SGI1R_INTID(v)		(((v) >> 24) & 0xf)
#define SGI1R_IRM		(1UL << 40)	/* every PE but the sender */
#define SGI1R_AFF_AND_RS	0x00fff0ff00ff0000UL

/* The vCPU an SPI is routed to. */
static struct vcpu *spi_vcpu(struct vm *vm, unsigned int intid)
{
	return &vm->vcpus[vgic_spi_target(&vm->vgic, intid)->index];
}

/* Something for `vcpu`: in WFI it looks again, on whichever CPU it runs. */
static void wake(struct vcpu *vcpu)
{
	vcpu->waiting = 0;
	vcpu_kick(vcpu);
}

static void send_sgi(struct vcpu *to, unsigned int intid)
{
	irq_log_note(to->vm->id, to->index, intid);
	vgic_raise(&to->vgic, intid);
	wake(to);
}

void vm_raise_spi(struct vm *vm, unsigned int intid)
{
	send_sgi(spi_vcpu(vm, intid), intid);
}

void vm_set_spi_level(struct vm *vm, unsigned int intid, int high)
{
	struct vcpu *vcpu = spi_vcpu(vm, intid);

	if (high)
		irq_log_note(vm->id, vcpu->index, intid);
	vgic_set_level(&vcpu->vgic, intid, high);
	wake(vcpu);
}

void vm_send_sgi(struct vcpu *from, uint64_t value)
{
	struct vm *vm = from->vm;
	unsigned int intid = SGI1R_INTID(value);

	if (value & SGI1R_IRM) {
		for (unsigned int i = 0; i < vm->nr_vcpus; i++)
			if (i != from->index)
				send_sgi(&vm->vcpus[i], intid);
		return;
	}
	/* The vCPUs' affinities are 0.0.0.<index>: a list elsewhere names none. */
	if (value & SGI1R_AFF_AND_RS)
		return;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if ((SGI1R_TARGETS(value) >> i) & 1)
			send_sgi(&vm->vcpus[i], intid);
}
