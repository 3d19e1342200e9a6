/* What every guest has: console output through the (emulated) PL011,
 * its parameters from the DTB the hypervisor hands over, and exit. */
#ifndef ZVM_GUEST_H
#define ZVM_GUEST_H

#include <stdint.h>

#include "hypercall.h"

extern char __image_end[];

int guest_main(const void *dtb);
__attribute__((noreturn)) void guest_exit(uint64_t code);
/* A hypercall with two arguments: what the hypervisor returns in x0. */
uint64_t guest_hvc(uint64_t fn, uint64_t a, uint64_t b);

void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A "zvm,<name>" property of /chosen: 64-bit, or `fallback` when absent. */
uint64_t guest_param(const void *dtb, const char *name, uint64_t fallback);
/* A "zvm,<name>" property of /chosen as big-endian 32-bit cells (NULL when
 * absent); *count is the number of cells. */
const uint32_t *guest_param_cells(const void *dtb, const char *name, int *count);
/* The first /memory node's range. */
int guest_memory(const void *dtb, uint64_t *base, uint64_t *size);

/* Interrupts (irq.c): the vector table and the GIC's CPU interface set up,
 * then `handler` called for each interrupt `intid` taken, before its EOI. */
void guest_irq_init(void);
void guest_irq_on(unsigned int intid, void (*handler)(void));

/* Other vCPUs (smp.c): vCPU `index` turned on (PSCI CPU_ON) to run `fn`
 * on a stack of its own; PSCI's return code. */
int64_t guest_cpu_on(unsigned int index, void (*fn)(unsigned int index));
/* The calling vCPU off (PSCI CPU_OFF): it does not return. */
__attribute__((noreturn)) void guest_cpu_off(void);
/* Whether vCPU `index` is on (PSCI AFFINITY_INFO). */
int guest_cpu_is_on(unsigned int index);

uint32_t crc32_update(uint32_t crc, const void *data, unsigned long len);
uint32_t xorshift32(uint32_t state);

#endif
