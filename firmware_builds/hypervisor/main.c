/* The hypervisor's boot sequence (entered from start.S at EL2, MMU on). */
#include <stdint.h>

#include "console.h"
#include "cpus.h"
#include "description.h"
#include "memory_map.h"
#include "psci.h"
#include "selftest.h"
#include "shell.h"
#include "sysregs.h"
#include "version.h"
#include "vm.h"
#include "vm_sched.h"

#define FDT_MAGIC_VALUE	0xd00dfeed

void halt(void) __attribute__((noreturn));

static uint32_t fdt_magic_at(const void *p)
{
	return __builtin_bswap32(*(const volatile uint32_t *)p);
}

#ifdef ZVM_SELFTEST_PANIC
/* A deliberate fault for the harness's own tests: a load from 4 GiB, which the
 * EL2 identity map leaves unmapped, is a level-1 translation fault taken to
 * EL2 as a data abort (EC 0x25) with FAR = the address. */
static void selftest_panic(void)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(0x100000000UL) : "memory");
	(void)v;
}
#endif

static struct description desc;

/* Creates and runs the VMs of the description, if the harness placed one;
 * without one (the hello scenario) there is nothing to run. */
static void run_description(void)
{
	const void *fdt = (const void *)DESCRIPTION_ADDR;

	if (fdt_magic_at(fdt) != FDT_MAGIC_VALUE)
		psci_system_off();
	if (description_parse(fdt, &desc) != 0 || vms_create(&desc) != 0)
		halt();
	shell_configure(&desc);
	vms_run(desc.timeslice_us);
}

void hyp_main(void)
{
	zvm_trace("boot", "el=0x%lx version=0x%x build=0x%016lx midr=0x%lx cntfrq=0x%lx",
		  (READ_SYSREG(CurrentEL) >> 2) & 3, ZVM_VERSION, zvm_build_id,
		  READ_SYSREG(midr_el1), READ_SYSREG(cntfrq_el0));
	board_selftest((const void *)RAM_BASE);	/* QEMU's board DTB */
	lzo_selftest();
	cpus_start((const void *)RAM_BASE);
#ifdef ZVM_SELFTEST_PANIC
	selftest_panic();
#endif
#ifdef ZVM_SELFTEST_HANG
	for (;;)	/* a deliberate hang, for the harness's timeout tests */
		__asm__ volatile("wfe");
#endif
	run_description();
}
