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

void vm_send_sgi(uint64_t value)
{
	unsigned int intid = (value >> 24) & 0xf;
	int to_self = !(value & (1UL << 40)) && (value & 1) &&	/* a target list with vCPU 0 */
		      (value & 0x00ff00ff00ff0000UL) == 0;		/* at affinity 0.0.0 */

	if (to_self)
		vgic_raise(&vm_current()->vgic, intid);
}
