/* The physical CPUs: the boot CPU starts the others (those the board's DTB
 * lists) with PSCI CPU_ON, one at a time; each then runs the vCPUs placed on
 * it (vm_sched.h). */
#ifndef ZVM_CPUS_H
#define ZVM_CPUS_H

#include <stdint.h>

#define MAX_CPUS		8	/* QEMU virt with a GICv3: Aff0 0..7 */
#define SECONDARY_STACK_SIZE	0x4000	/* start.S's secondary_entry knows it too */

/* Starts every other CPU of the board DTB at `dtb`, each reported with
 * @zvm cpu-up once its EL2 state and GIC redistributor are set up. */
void cpus_start(const void *dtb);
/* How many CPUs run: the boot CPU and those started (indices 0 up). */
unsigned int cpus_up(void);
/* CPU `index`'s MPIDR_EL1, and the top of its EL2 stack. */
uint64_t cpu_mpidr(unsigned int index);
uint64_t cpu_stack_top(unsigned int index);
/* The VMs exist: the started CPUs go on to vms_run_cpu(). */
void cpus_release(void);

/* Entered by start.S on a started CPU, MMU on, with its index. */
void secondary_main(uint64_t index) __attribute__((noreturn));

#endif
