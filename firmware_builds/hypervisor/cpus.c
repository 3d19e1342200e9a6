/* The other physical CPUs: a started CPU sets up its EL2 state (start.S)
 * and its GIC redistributor and CPU interface, says it is up, and sleeps in
 * WFI until the VMs are created; then it runs the vCPUs placed on it
 * (vm_sched.c). The boot CPU reports each start. */
#include <libfdt.h>
#include <string.h>

#include "console.h"
#include "cpus.h"
#include "gic.h"
#include "psci.h"
#include "sysregs.h"
#include "vm_sched.h"

void halt(void) __attribute__((noreturn));
extern char secondary_entry[];

uint8_t secondary_stacks[MAX_CPUS][SECONDARY_STACK_SIZE] __attribute__((aligned(16)));
static volatile uint64_t cpu_up_mpidr[MAX_CPUS];	/* written by the CPU itself */
static unsigned int nr_up = 1;
static volatile int released;	/* the VMs exist: the started CPUs may run them */

#define CPU_UP_TIMEOUT_S	10

extern char __stack_top[];

uint64_t cpu_stack_top(unsigned int index)
{
	return index ? (uint64_t)secondary_stacks[index] + SECONDARY_STACK_SIZE
		     : (uint64_t)__stack_top;
}

unsigned int cpus_up(void)
{
	return nr_up;
}

uint64_t cpu_mpidr(unsigned int index)
{
	return cpu_up_mpidr[index];
}

void cpus_release(void)
{
	__atomic_store_n(&released, 1, __ATOMIC_RELEASE);
	for (unsigned int i = 1; i < nr_up; i++)
		gic_send_sgi(i, SGI_KICK);
}

/* Interrupts stay masked: a kick wakes the WFI all the same, and is
 * acknowledged here. */
void secondary_main(uint64_t index)
{
	gic_cpu_init(index);
	__atomic_store_n(&cpu_up_mpidr[index], READ_SYSREG(mpidr_el1), __ATOMIC_RELEASE);
	while (!__atomic_load_n(&released, __ATOMIC_ACQUIRE)) {
		__asm__ volatile("dsb sy; wfi" ::: "memory");
		gic_ack_all();
	}
	vms_run_cpu();
}

static int start_one(unsigned int index, uint64_t mpidr)
{
	int64_t ret = psci_cpu_on(mpidr, (uint64_t)secondary_entry, index);

	if (ret != 0) {
		zvm_trace("panic", "reason=cpu-on-failed index=0x%x ret=0x%lx", index, (uint64_t)ret);
		return -1;
	}
	uint64_t start = read_counter(), limit = CPU_UP_TIMEOUT_S * READ_SYSREG(cntfrq_el0);

	/* YIELD: where CPUs take turns on one host thread (QEMU's single-threaded
	 * TCG), the started CPU runs now rather than at the end of our slice. */
	while (!__atomic_load_n(&cpu_up_mpidr[index], __ATOMIC_ACQUIRE)) {
		__asm__ volatile("yield");
		if (read_counter() - start > limit) {
			zvm_trace("panic", "reason=cpu-not-up index=0x%x", index);
			return -1;
		}
	}
	zvm_trace("cpu-up", "index=0x%x mpidr=0x%lx", index, cpu_up_mpidr[index]);
	return 0;
}

void cpus_start(const void *dtb)
{
	uint64_t self = READ_SYSREG(mpidr_el1) & 0xff00ffffffUL;	/* the affinity fields */
	unsigned int index = 1;
	int node, len;

	cpu_up_mpidr[0] = READ_SYSREG(mpidr_el1);	/* the boot CPU's, for the others */
	if (fdt_check_header(dtb) != 0)
		return;
	fdt_for_each_subnode(node, dtb, fdt_path_offset(dtb, "/cpus")) {
		const char *type = fdt_getprop(dtb, node, "device_type", NULL);
		const fdt32_t *reg = fdt_getprop(dtb, node, "reg", &len);

		if (!type || strcmp(type, "cpu") != 0 || !reg || len < 4)
			continue;
		uint64_t mpidr = len >= 8 ? ((uint64_t)fdt32_to_cpu(reg[0]) << 32) |
					    fdt32_to_cpu(reg[1]) : fdt32_to_cpu(reg[0]);

		if (mpidr == self)
			continue;
		if (index >= MAX_CPUS || start_one(index, mpidr) != 0)
			halt();
		nr_up = ++index;
	}
}
