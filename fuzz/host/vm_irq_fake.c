/* The VMs' virtual interrupts (vm_irq.h): each raised SPI recorded and
 * handed to the target's hook, if it set one. */
#include "record.h"
#include "vm.h"
#include "vm_irq_fake.h"

void (*vm_irq_fake_hook)(struct vm *vm, unsigned int intid);

void vm_raise_spi(struct vm *vm, unsigned int intid)
{
	record("irq vm=0x%x intid=0x%x", vm->id, intid);
	if (vm_irq_fake_hook)
		vm_irq_fake_hook(vm, intid);
}
