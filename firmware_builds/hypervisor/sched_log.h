/* What each physical CPU ran, and from when: a record at every change, in
 * memory only (no console line, so it costs no time and changes no trace);
 * and in a second log, each interrupt raised for a vCPU (an SPI's edge or
 * level, an SGI). The harness reads `sched_log` and `irq_log` after the
 * run through QEMU (their addresses from the image's symbols) for the
 * run's timeline (docs/report.md). */
#ifndef ZVM_SCHED_LOG_H
#define ZVM_SCHED_LOG_H

#include <stdint.h>

#define SCHED_LOG_RECORDS	4096	/* per CPU, a ring: the latest kept */
#define SCHED_LOG_IDLE		0xffff	/* the record's vm when the CPU idles */

struct sched_record {
	uint64_t ticks;		/* CNTPCT_EL0 at the change */
	uint16_t vm;		/* the VM's id, or SCHED_LOG_IDLE */
	uint16_t vcpu;
	uint32_t intid;		/* irq_log: the interrupt raised */
};

struct sched_log {
	uint64_t count;		/* records ever written: past the ring's size, some lost */
	struct sched_record records[SCHED_LOG_RECORDS];
};

/* This CPU now runs vCPU `vcpu` of VM `vm` (SCHED_LOG_IDLE: nothing). */
void sched_log_note(unsigned int vm, unsigned int vcpu);
/* This CPU raised interrupt `intid` for vCPU `vcpu` of VM `vm`. */
void irq_log_note(unsigned int vm, unsigned int vcpu, unsigned int intid);

#endif
