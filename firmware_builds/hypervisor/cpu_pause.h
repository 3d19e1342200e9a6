/* Waiting for the host under counted time (QEMU -icount). There QEMU's
 * clock is the instructions the CPUs run: a CPU that polls while the host
 * disk works, and the other CPUs that run meanwhile, would make the run's
 * timing, and how the CPUs interleave, depend on the host's speed. So the
 * waiting CPU first pauses every other CPU (each parks in WFI, its timers
 * held) and then sleeps in WFI until its device's interrupt: with every CPU
 * asleep and no timer armed, QEMU's clock stands still until the host
 * answers, and the run goes on as every other run does. */
#ifndef ZVM_CPU_PAUSE_H
#define ZVM_CPU_PAUSE_H

#include <stdint.h>

/* With the hypervisor's lock held: every other CPU parked on return (each
 * where it next took the lock), until cpus_resume_others(). */
void cpus_pause_others(void);
void cpus_resume_others(void);

/* Sleeps until done() says so, woken by the interrupts of GIC_PRIORITY_WAKE
 * only (gic_spi_wake_here), with this CPU's timers held meanwhile; one
 * such interrupt must come (what done() waits for raises it). */
void cpu_sleep_until(int (*done)(void));

#endif
