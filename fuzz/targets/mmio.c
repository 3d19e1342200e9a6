/* The MMIO a guest reaches by stage-2 data aborts: the emulated GICv3
 * distributor and redistributors (hypervisor/vgic_mmio.c over vgic.c) and
 * the PL011 (vuart.c), called as traps.c's data_abort calls them, with
 * what the hypervisor does around them: interrupts raised for the VM
 * (vm_irq.c: an SPI edge, the UART's level, SGIs by ICC_SGI1R_EL1, a
 * timer's line), the list registers refilled at every trap, vCPUs
 * switched, and the guest's CPU interface taking and ending interrupts in
 * the list registers (the hardware's part, done here on the fake
 * sysregs). One CPU runs the VM's 1 to 4 vCPUs, with 1 to 4 list registers.
 *
 * An input: a byte of configuration, then operations (fuzz/oracles/mmio.py
 * decodes the same bytes). Beyond no crash and no sanitizer report: the
 * state outside the emulated arrays is never touched, reads change
 * nothing, reserved registers read as zero and ignore writes, no interrupt
 * beyond GICD_TYPER's ITLinesNumber (nor an SGI or PPI at the distributor)
 * can be enabled, configured or routed, GICR_TYPER names its frame's vCPU
 * and only the last is Last, a list register holds an INTID that exists
 * and at most once. Every read's value is recorded for the oracle. */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "record.h"
#include "sysreg_access.h"
#include "vgic.h"
#include "vm.h"
#include "vm_irq.h"
#include "vm_timer_fake.h"
#include "vuart.h"

#define GICD_TYPER	0x0004
#define GICR_TYPER	0x0008
#define LR_STATE_MASK	(3UL << 62)
#define LR_PENDING	(1UL << 62)
#define LR_ACTIVE	(2UL << 62)
#define LR_PRIORITY(lr)	(((lr) >> 48) & 0xff)
#define SPURIOUS	1023
#define N(a)		(sizeof(a) / sizeof((a)[0]))

enum region { GICD, GICR, UART };

static struct vm vm;
static struct vm_config cfg = { .name = "mmio", .linux_guest = 1, .stop_after = "ok",
				.stop_count = 2 };
static unsigned int cur, nr_lrs;

static uint64_t *lr_reg(unsigned int i)
{
	static const char *const names[VGIC_MAX_LRS] = {
		"S3_4_C12_C12_0", "S3_4_C12_C12_1", "S3_4_C12_C12_2", "S3_4_C12_C12_3",
	};

	return sysreg_fake(names[i]);
}

/* What a trap ends with (vm_sched.c's vm_deliver_irqs). */
static void deliver(void)
{
	vm_irq_save(&vm.vcpus[cur]);
	vgic_load(&vm.vcpus[cur].vgic);
}

/* The scheduler runs another vCPU (save_current, switch_to). */
static void switch_to(unsigned int next)
{
	if (next == cur)
		return;
	vm_irq_save(&vm.vcpus[cur]);
	cur = next;
	vm_timers_sample(&vm.vcpus[cur]);
	vgic_load(&vm.vcpus[cur].vgic);
}

/* The registers of the GICv3's maps the emulation implements (the others
 * are reserved or RAZ/WI: for INTIDs beyond ITLinesNumber, the
 * distributor's for SGIs and PPIs, LPIs', extended ranges, ...). */
static const struct range { uint32_t start, end; } gicd_regs[] = {
	{ 0x0000, 0x000c },	/* CTLR, TYPER, IIDR */
	{ 0x0084, 0x008c }, { 0x0104, 0x010c }, { 0x0184, 0x018c },	/* SPIs' bits */
	{ 0x0204, 0x020c }, { 0x0284, 0x028c }, { 0x0304, 0x030c }, { 0x0384, 0x038c },
	{ 0x0420, 0x0460 },	/* IPRIORITYR8..23 */
	{ 0x0c08, 0x0c18 },	/* ICFGR2..5 */
	{ 0x6100, 0x6300 },	/* IROUTER32..95 */
	{ 0xffe8, 0xffec },	/* PIDR2 */
}, gicr_regs[] = {
	{ 0x0000, 0x0010 },	/* CTLR, IIDR, TYPER */
	{ 0x0014, 0x0018 },	/* WAKER */
	{ 0xffe8, 0xffec },
	{ 0x10080, 0x10084 }, { 0x10100, 0x10104 }, { 0x10180, 0x10184 },	/* word 0 */
	{ 0x10200, 0x10204 }, { 0x10280, 0x10284 }, { 0x10300, 0x10304 }, { 0x10380, 0x10384 },
	{ 0x10400, 0x10420 },	/* IPRIORITYR0..7 */
	{ 0x10c00, 0x10c08 },	/* ICFGR0, 1 */
};

static int reserved(const struct range *r, size_t n, uint64_t offset, unsigned int size)
{
	for (size_t i = 0; i < n; i++)
		if (offset < r[i].end && offset + size > r[i].start)
			return 0;
	return 1;
}

/* The whole of the VM's interrupt state, to compare before and after. */
struct snapshot {
	struct vgic_dist dist;
	struct vgic_state cpus[VGIC_MAX_VCPUS];
	struct vuart uart;
};

static void snap(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));	/* padding too: compared with memcmp */
	s->dist = vm.vgic;
	for (unsigned int i = 0; i < vm.nr_vcpus; i++)
		s->cpus[i] = vm.vcpus[i].vgic;
	s->uart = vm.uart;
}

static void check_typer(uint64_t offset, unsigned int size, uint64_t v)
{
	unsigned int frame = offset / VGICR_SIZE;

	offset %= VGICR_SIZE;
	if (offset == GICR_TYPER && size >= 4) {	/* Processor_Number, Last */
		assert(((v >> 8) & 0xffff) == frame);
		assert(!!(v & (1u << 4)) == (frame + 1 == vm.nr_vcpus));
		assert(size == 4 || v >> 32 == frame);	/* Aff0: VMPIDR's */
	}
	if (offset == GICR_TYPER + 4 && size == 4)
		assert(v == frame);
	if (offset == 0xffe8 && size == 4)	/* PIDR2.ArchRev: GICv3 */
		assert(((v >> 4) & 0xf) == 3);
}

static void access(unsigned int vcpu, enum region region, uint64_t offset, unsigned int size,
		   int is_write, uint64_t value)
{
	static struct snapshot before, after;
	uint64_t result;
	int gic_reserved = region == GICD ? reserved(gicd_regs, N(gicd_regs), offset, size) :
			   reserved(gicr_regs, N(gicr_regs), offset % VGICR_SIZE, size);

	switch_to(vcpu);
	if (size < 8)	/* as data_abort: the register's low bytes */
		value &= (1UL << (8 * size)) - 1;
	if (region == UART) {
		snap(&before);
		result = vuart_access(&vm, offset, is_write, value);
		snap(&after);
		if (!is_write && offset != 0)	/* only DR's reads take something */
			assert(!memcmp(&before, &after, sizeof(before)));
		if ((offset >= 0x4c && offset < 0xfe0) || offset % 4)
			assert(result == 0 && !memcmp(&before, &after, sizeof(before)));
		if (is_write && offset == 0)
			record("tx %u", vm.uart.len);
	} else {
		vm_irq_save(&vm.vcpus[cur]);
		snap(&before);
		result = region == GICD ? vgic_dist_access(&vm.vgic, offset, is_write, value, size)
					: vgic_redist_access(&vm.vgic, offset, is_write, value, size);
		snap(&after);
		vgic_load(&vm.vcpus[cur].vgic);
		if (!is_write)
			assert(!memcmp(&before, &after, sizeof(before)));
		if (gic_reserved)
			assert(result == 0 && !memcmp(&before, &after, sizeof(before)));
		if (region == GICD && offset == GICD_TYPER && size == 4)	/* ITLinesNumber */
			assert((result & 0x1f) == VGIC_NR_IRQS / 32 - 1);
		if (region == GICR && !is_write)
			check_typer(offset, size, result);
	}
	if (size < 8)	/* data_abort's load: the low bytes, as the instruction has them */
		result &= (1UL << (8 * size)) - 1;
	if (!is_write)
		record("r %d %llx %u %llx", region, (unsigned long long)offset, size,
		       (unsigned long long)result);
	deliver();
}

/* The guest's CPU interface on the list registers (no trap): an
 * acknowledge (ICC_IAR1_EL1) takes the most urgent pending one, an EOI
 * (EOImode 0) ends the most urgent active one. Ties: the lowest LR. */
static void cpu_interface(int eoi)
{
	int best = -1;

	for (unsigned int i = 0; i < nr_lrs; i++) {
		uint64_t lr = *lr_reg(i);

		if ((eoi ? lr & LR_ACTIVE : (lr & LR_STATE_MASK) == LR_PENDING) &&
		    (best < 0 || LR_PRIORITY(lr) < LR_PRIORITY(*lr_reg(best))))
			best = i;
	}
	if (best >= 0)	/* pending to active; active (and pending) to not */
		*lr_reg(best) ^= eoi ? LR_ACTIVE : LR_PENDING | LR_ACTIVE;
	record("%s %u", eoi ? "eoi" : "ack",
	       best < 0 ? SPURIOUS : (unsigned int)(*lr_reg(best) & 0xffffffff));
}

/* What no access may break. */
static void check_state(void)
{
	const struct vgic_dist *d = &vm.vgic;
	uint64_t typer = vgic_dist_access(&vm.vgic, GICD_TYPER, 0, 0, 4);
	unsigned int lines = 32 * ((typer & 0x1f) + 1);

	assert(d->nr_cpus == vm.nr_vcpus && d->emulated && !(d->ctlr & ~0x13u));
	assert(lines == VGIC_NR_IRQS);
	for (unsigned int i = 0; i < 32; i++)	/* the distributor's SGIs and PPIs: RES0 */
		assert(!d->irouter[i] && d->spis.priority[i] == 0xa0);
	assert(!d->spis.enabled[0] && !d->spis.config[0] && !d->spis.config[1]);
	for (unsigned int c = 0; c < vm.nr_vcpus; c++) {
		const struct vgic_state *s = &vm.vcpus[c].vgic;

		assert(d->cpus[c] == s && s->dist == d && s->index == c);
		assert(!(s->redist_waker & ~2u));
		for (unsigned int w = 1; w < VGIC_NR_IRQS / 32; w++)	/* only word 0 is its */
			assert(!s->own.enabled[w]);
		for (unsigned int w = 2; w < VGIC_NR_IRQS / 16; w++)
			assert(!s->own.config[w]);
		for (unsigned int i = 32; i < VGIC_NR_IRQS; i++)
			assert(s->own.priority[i] == 0xa0);
		for (unsigned int i = 0; i < VGIC_MAX_LRS; i++) {
			uint64_t lr = s->lr[i];

			if (i >= nr_lrs) {
				assert(!lr);
				continue;
			}
			if (!(lr & LR_STATE_MASK))
				continue;
			assert((lr & 0xffffffff) < VGIC_NR_IRQS);
			for (unsigned int j = 0; j < i; j++)
				assert(!(s->lr[j] & LR_STATE_MASK) ||
				       (s->lr[j] & 0xffffffff) != (lr & 0xffffffff));
		}
	}
	assert(vm.uart.len < sizeof(vm.uart.line) && vm.uart.rx_head < VUART_RX_FIFO &&
	       vm.uart.rx_count <= VUART_RX_FIFO);
}

static void reset(uint8_t config)
{
	struct vgic_state *cpus[VGIC_MAX_VCPUS];

	memset(&vm, 0, sizeof(vm));
	vm.cfg = &cfg;
	strcpy(vm.name, cfg.name);
	vm.nr_vcpus = 1 + (config & 3);
	nr_lrs = 1 + ((config >> 2) & 3);
	*sysreg_fake("S3_4_C12_C11_1") = nr_lrs - 1;	/* ICH_VTR_EL2.ListRegs */
	for (unsigned int i = 0; i < VGIC_MAX_LRS; i++)
		*lr_reg(i) = 0;
	vgic_init();
	for (unsigned int i = 0; i < vm.nr_vcpus; i++) {
		vm.vcpus[i].vm = &vm;
		vm.vcpus[i].index = i;
		cpus[i] = &vm.vcpus[i].vgic;
		vm_timer_fake_level[i] = 0;
	}
	vgic_vm_init(&vm.vgic, cpus, vm.nr_vcpus, 1);
	for (unsigned int i = 0; i < vm.nr_vcpus; i++)	/* as vm.c does */
		vgic_resample_on_deactivate(cpus[i], VTIMER_VINTID);
	cur = 0;
	vgic_load(&vm.vcpus[0].vgic);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[] = { 0x10000, 0, 0x1000 };	/* GICR: per vCPU */
	size_t i = 1;

	if (size < 1)
		return 0;
	record_input(data, size);
	reset(data[0]);
	while (i + 2 <= size && !vm.uart.done) {	/* done: its last line, the VM stops */
		uint8_t op = data[i] % 8, a = data[i + 1];

		i += 2;
		if (op < 4) {	/* a, then 3 bytes of offset, then a write's value */
			enum region region = ((a >> 5) & 3) % 3;
			unsigned int width = 1u << ((a >> 2) & 3), write = (a >> 4) & 1;
			uint64_t offset = 0, value = 0;

			if (i + 3 + (write ? width : 0) > size)
				break;
			for (int b = 0; b < 3; b++)
				offset |= (uint64_t)data[i++] << (8 * b);
			for (unsigned int b = 0; write && b < width; b++)
				value |= (uint64_t)data[i++] << (8 * b);
			offset %= region == GICR ? vm.nr_vcpus * VGICR_SIZE : sizes[region];
			access((a & 3) % vm.nr_vcpus, region, offset, width, write, value);
		} else if (op == 4) {	/* an SPI's edge (the virtio back-end's) */
			vm_raise_spi(&vm, 32 + a % (VGIC_NR_IRQS - 32));
			deliver();
		} else if (op == 5) {	/* ICC_SGI1R_EL1 written by vCPU a */
			if (i + 2 > size)
				break;
			uint8_t targets = data[i], flags = data[i + 1];

			i += 2;
			switch_to(a % vm.nr_vcpus);
			vm_send_sgi(&vm.vcpus[cur], targets | (uint64_t)(flags & 0xf) << 24 |
				    (flags & 0x10 ? 1UL << 40 : 0) | (flags & 0x20 ? 1UL << 16 : 0));
			deliver();
		} else if (op == 6) {	/* the hypervisor's: a & 3, then an argument */
			if (i + 1 > size)
				break;
			uint8_t arg = data[i++];

			switch (a & 3) {
			case 0:
				vuart_receive(&vm, (char)arg);	/* typed at the console */
				break;
			case 1:
				vm_timer_fake_level[arg % vm.nr_vcpus] = (arg >> 2) & 1;
				break;
			case 2:
				break;	/* a tick */
			default:
				switch_to(arg % vm.nr_vcpus);
			}
			deliver();
		} else {
			cpu_interface(a & 1);
		}
		check_state();
	}
	if (vm.uart.done)
		record("done");
	return 0;
}
