/* The physical GICv3: the hypervisor's interrupts (its timer, hyp_timer.c;
 * the running VM's EL1 timers, vm_timer.c; the virtual CPU interface's
 * maintenance interrupt), Group 1, taken at EL2. */
#ifndef ZVM_GIC_H
#define ZVM_GIC_H

#include <stdint.h>

#define SGI_KICK		0	/* from another CPU: look at what to run again */
#define SGI_RESUME		1	/* from another CPU: a pause is over (cpu_pause.h) */
#define INTID_MAINTENANCE	25	/* ICH_MISR_EL2: a list register needs the hypervisor */
#define INTID_HYP_TIMER		26	/* CNTHP, EL2 physical timer PPI */
#define INTID_VTIMER		27	/* CNTV: the running VM's virtual timer */
#define INTID_PTIMER		30	/* CNTP: the running VM's EL1 physical timer */
#define INTID_CONSOLE		33	/* SPI 1: the PL011 console (QEMU virt) */
#define INTID_SPURIOUS		1023

/* Priorities: the hypervisor's interrupts, and above them those that end a
 * sleep of cpu_pause.h's, which masks the others with ICC_PMR_EL1. */
#define GIC_PRIORITY_HYP	0x80
#define GIC_PRIORITY_WAKE	0x40
#define GIC_PMR_ALL		0xff

void gic_init(void);
/* CPU `index`'s own part (gic_init does it for the boot CPU): its
 * redistributor awake, the system register interface on, the kick and the
 * PPIs above enabled. */
void gic_cpu_init(uint64_t index);
uint32_t gic_ack(void);
void gic_eoi(uint32_t intid);
/* Every interrupt pending for this CPU acknowledged and done with. */
void gic_ack_all(void);
/* SGI `intid` to CPU `cpu` (its index, cpus.h). */
void gic_send_sgi(unsigned int cpu, uint32_t intid);
/* The SPI `intid` on, Group 1, routed to this CPU. */
void gic_spi_enable(uint32_t intid);
/* The SPI `intid` on, Group 1, routed to this CPU, at GIC_PRIORITY_WAKE. */
void gic_spi_wake_here(uint32_t intid);
/* Whether the PPI `intid` may interrupt this CPU. */
void gic_ppi_enable(uint32_t intid, int on);

#endif
