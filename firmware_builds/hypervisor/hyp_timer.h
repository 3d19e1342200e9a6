/* The EL2 physical timer (CNTHP, PPI INTID_HYP_TIMER): the scheduler's
 * tick, which preempts the running VM. */
#ifndef ZVM_HYP_TIMER_H
#define ZVM_HYP_TIMER_H

#include <stdint.h>

/* Fires every `period_us` microseconds from now on, on this CPU. */
void hyp_timer_start(uint64_t period_us);
/* The next tick a whole period from now. */
void hyp_timer_rearm(void);
/* This CPU's ticks stopped (it has nothing to run), and started a period
 * from now unless they run (it has). */
void hyp_timer_stop(void);
void hyp_timer_resume(void);
/* One interrupt at counter value `deadline` (an idle CPU's wake-up), the
 * ticks stopped: they start afresh with the next vCPU (hyp_timer_resume). */
void hyp_timer_at(uint64_t deadline);
/* A tick's length in counter ticks. */
uint64_t hyp_timer_period(void);

#endif
