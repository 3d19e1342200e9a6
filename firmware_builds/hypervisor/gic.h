/* The physical GICv3 and the EL2 timer that preempts the running VM. */
#ifndef ZVM_GIC_H
#define ZVM_GIC_H

#include <stdint.h>

#define INTID_HYP_TIMER		26	/* CNTHP, EL2 physical timer PPI */
#define INTID_VTIMER		27	/* CNTV: the running VM's virtual timer */
#define INTID_SPURIOUS		1023

void gic_init(void);
void hyp_timer_start(uint64_t period_us);
void hyp_timer_rearm(void);
uint32_t gic_ack(void);
void gic_eoi(uint32_t intid);

#endif
