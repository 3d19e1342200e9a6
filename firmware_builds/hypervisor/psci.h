/* PSCI calls the hypervisor makes to the firmware below it (EL3 or QEMU). */
#ifndef ZVM_PSCI_H
#define ZVM_PSCI_H

#define PSCI_SYSTEM_OFF		0x84000008UL
#define PSCI_CPU_ON_64		0xc4000003UL

#include <stdint.h>

extern uint64_t vms_started_at;

/* From EL2 the call must be an SMC: an HVC would trap to ourselves. */
__attribute__((noreturn)) void psci_system_off(void);

/* Starts the CPU `mpidr` at `entry` (at EL2, MMU off) with x0 = `context`;
 * PSCI's return code (0: on its way). */
int64_t psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t context);

#endif
