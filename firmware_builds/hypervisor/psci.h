/* PSCI calls the hypervisor makes to the firmware below it (EL3 or QEMU). */
#ifndef ZVM_PSCI_H
#define ZVM_PSCI_H

#define PSCI_SYSTEM_OFF		0x84000008UL

#include <stdint.h>

extern uint64_t vms_started_at;

/* From EL2 the call must be an SMC: an HVC would trap to ourselves. */
__attribute__((noreturn)) void psci_system_off(void);

#endif
