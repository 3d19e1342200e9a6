/* The hypervisor's own interrupts, taken when a VM runs (traps.c,
 * lower_irq) or, with no VM to run, handled while the CPU idles. */
#ifndef ZVM_HYP_IRQ_H
#define ZVM_HYP_IRQ_H

/* Handles every interrupt pending now (EL2's are masked: they are read from
 * the GIC): the scheduler's tick re-armed, the shell's input read. */
void hyp_irqs_poll(void);

#endif
