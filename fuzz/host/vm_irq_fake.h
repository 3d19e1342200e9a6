#ifndef FUZZ_VM_IRQ_FAKE_H
#define FUZZ_VM_IRQ_FAKE_H

struct vm;

/* Called with every SPI a unit raises (vm_raise_spi). */
extern void (*vm_irq_fake_hook)(struct vm *vm, unsigned int intid);

#endif
