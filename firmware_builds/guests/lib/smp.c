/* A guest's other vCPUs, through PSCI over HVC, as the hypervisor's
 * vm_psci.c gives it: a vCPU's affinity is 0.0.0.<index>. */
#include <stdint.h>

#include "guest.h"

#define PSCI_CPU_OFF		0x84000002UL
#define PSCI_CPU_ON_64		0xc4000003UL
#define PSCI_AFFINITY_INFO_64	0xc4000004UL
#define MAX_VCPUS		4
#define STACK_SIZE		0x2000

extern char guest_secondary_entry[];

static uint8_t stacks[MAX_VCPUS][STACK_SIZE] __attribute__((aligned(16)));
static void (*entries[MAX_VCPUS])(unsigned int index);

static uint64_t psci(uint64_t fn, uint64_t a, uint64_t b, uint64_t c)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a;
	register uint64_t x2 __asm__("x2") = b;
	register uint64_t x3 __asm__("x3") = c;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : : "memory");
	return x0;
}

int64_t guest_cpu_on(unsigned int index, void (*fn)(unsigned int index))
{
	if (index == 0 || index >= MAX_VCPUS)
		return -2;	/* INVALID_PARAMETERS */
	entries[index] = fn;
	return (int64_t)psci(PSCI_CPU_ON_64, index, (uint64_t)guest_secondary_entry,
			     (uint64_t)stacks[index] + STACK_SIZE);
}

/* guest_secondary_entry (start.S) comes here on its stack. */
void guest_secondary_main(void)
{
	uint64_t mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	entries[mpidr & 0xff](mpidr & 0xff);
	guest_cpu_off();
}

void guest_cpu_off(void)
{
	psci(PSCI_CPU_OFF, 0, 0, 0);
	for (;;)	/* CPU_OFF does not return when it succeeds */
		;
}

int guest_cpu_is_on(unsigned int index)
{
	return psci(PSCI_AFFINITY_INFO_64, index, 0, 0) == 0;	/* ON */
}
