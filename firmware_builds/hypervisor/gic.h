/* The physical GICv3: the hypervisor's interrupts (its timer, hyp_timer.c,
 * and the running VM's virtual timer), Group 1, taken at EL2. */
#ifndef ZVM_GIC_H
#define ZVM_GIC_H

#include <stdint.h>

#define INTID_HYP_TIMER		26	/* CNTHP, EL2 physical timer PPI */
#define INTID_VTIMER		27	/* CNTV: the running VM's virtual timer */
#define INTID_SPURIOUS		1023

void gic_init(void);
uint32_t gic_ack(void);
void gic_eoi(uint32_t intid);

#endif
