#include <stddef.h>

#include "cpus.h"
#include "percpu.h"
#include "sched_log.h"
#include "sysregs.h"

struct sched_log sched_log[MAX_CPUS], irq_log[MAX_CPUS];

static void append(struct sched_log *log, unsigned int vm, unsigned int vcpu,
		   unsigned int intid)
{
	log->records[log->count % SCHED_LOG_RECORDS] = (struct sched_record){
		.ticks = read_counter(), .vm = (uint16_t)vm, .vcpu = (uint16_t)vcpu,
		.intid = intid,
	};
	log->count++;
}

void sched_log_note(unsigned int vm, unsigned int vcpu)
{
	struct sched_log *log = &sched_log[this_cpu()];
	struct sched_record *last = log->count ?
		&log->records[(log->count - 1) % SCHED_LOG_RECORDS] : NULL;

	if (last && last->vm == vm && last->vcpu == vcpu)
		return;		/* the same again: no change to record */
	append(log, vm, vcpu, 0);
}

void irq_log_note(unsigned int vm, unsigned int vcpu, unsigned int intid)
{
	append(&irq_log[this_cpu()], vm, vcpu, intid);
}
