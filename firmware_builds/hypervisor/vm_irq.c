#include "sysregs.h"
#include "vgic.h"
#include "virtio.h"
#include "vm.h"
#include "vm_irq.h"
#include "vm_sched.h"

void vm_raise_irq(struct vm *vm)
{
	vgic_raise(&vm->vgic, VIRTIO_BLK_INTID);
	vm->waiting = 0;
}

/* The timer's line stays high until the guest reprograms it: masked here
 * (the guest's handler masks it too, then sets the next deadline). */
void vm_vtimer_fired(void)
{
	WRITE_SYSREG(cntv_ctl_el0, READ_SYSREG(cntv_ctl_el0) | CNTV_IMASK);
	vgic_raise(&vm_current()->vgic, VTIMER_VINTID);
}

void vm_send_sgi(uint64_t value)
{
	unsigned int intid = (value >> 24) & 0xf;
	int to_self = !(value & (1UL << 40)) && (value & 1) &&	/* a target list with vCPU 0 */
		      (value & 0x00ff00ff00ff0000UL) == 0;		/* at affinity 0.0.0 */

	if (to_self)
		vgic_raise(&vm_current()->vgic, intid);
}
