/* The GICv3 distributor and the redistributors (one per vCPU) a Linux VM
 * programs: the registers its driver uses (and kvm-unit-tests' gic and timer
 * tests), backed by struct vgic_dist, each vCPU's struct vgic_state and the
 * list registers. No LPIs, no ITS; everything Group 1. Unknown registers read as zero and ignore
 * writes, as reserved ones do. */
#include "vgic.h"

#define GICD_CTLR		0x0000
#define GICD_TYPER		0x0004
#define GICD_IIDR		0x0008
#define GICD_IGROUPR		0x0080
#define GICD_ISENABLER		0x0100
#define GICD_ICENABLER		0x0180
#define GICD_ISPENDR		0x0200
#define GICD_ICPENDR		0x0280
#define GICD_ISACTIVER		0x0300
#define GICD_ICACTIVER		0x0380
#define GICD_IPRIORITYR		0x0400
#define GICD_ICFGR		0x0c00
#define GICD_IROUTER		0x6000
#define GIC_PIDR2		0xffe8

#define GICD_CTLR_RW		0x13u	/* EnableGrp0, EnableGrp1A, ARE_NS */
#define GIC_PIDR2_V3		0x3bu	/* ArchRev 3 */
#define IIDR_ARM		0x43bu

#define GICR_CTLR		0x0000
#define GICR_IIDR		0x0004
#define GICR_TYPER		0x0008
#define GICR_WAKER		0x0014
#define GICR_TYPER_LAST		(1u << 4)
#define GICR_WAKER_SLEEP	(1u << 1)
#define GICR_WAKER_ASLEEP	(1u << 2)
#define GICR_SGI_FRAME		0x10000

/* A bit-per-interrupt register bank at `base`: set-enable, clear-pending, ... */
static int in_bank(uint64_t offset, uint64_t base, unsigned int *word)
{
	if (offset < base || offset >= base + VGIC_NR_IRQS / 8)
		return 0;
	*word = (offset - base) / 4;
	return 1;
}

/* The interrupts a bank's registers reach: a redistributor's (word 0, its
 * vCPU's SGIs and PPIs) or the distributor's (the SPIs, on every vCPU). */
struct bank {
	struct vgic_config *config;
	struct vgic_state *const *cpus;
	unsigned int nr_cpus;
	unsigned int first_word, last_word;	/* others read as zero, ignore writes */
};

static struct vgic_state *holder(const struct bank *b, unsigned int intid)
{
	return intid < 32 ? b->cpus[0] : vgic_spi_target(b->cpus[0]->dist, intid);
}

static uint32_t any_cpu(const struct bank *b, unsigned int w,
			uint32_t (*bits)(const struct vgic_state *, unsigned int))
{
	uint32_t out = 0;

	for (unsigned int i = 0; i < b->nr_cpus; i++)
		out |= bits(b->cpus[i], 32 * w);
	return out;
}

static void set_active(const struct bank *b, unsigned int w, uint32_t v, int active)
{
	for (unsigned int i = 0; !active && i < b->nr_cpus; i++)
		vgic_set_active(b->cpus[i], 32 * w, v, 0);
	for (; active && v; v &= v - 1)
		vgic_set_active(holder(b, 32 * w + __builtin_ctz(v)), 32 * w, v & -v, 1);
}

/* The registers with a bit per interrupt. */
static int bitmap_access(const struct bank *b, uint64_t offset, int is_write, uint64_t value,
			 uint64_t *result)
{
	unsigned int w;
	uint32_t v = (uint32_t)value;

	if (in_bank(offset, GICD_IGROUPR, &w)) {	/* all Group 1, writes ignored */
		*result = w >= b->first_word && w <= b->last_word ? 0xffffffff : 0;
		return 1;
	}
	if (!in_bank(offset, GICD_ISENABLER, &w) && !in_bank(offset, GICD_ICENABLER, &w) &&
	    !in_bank(offset, GICD_ISPENDR, &w) && !in_bank(offset, GICD_ICPENDR, &w) &&
	    !in_bank(offset, GICD_ISACTIVER, &w) && !in_bank(offset, GICD_ICACTIVER, &w))
		return 0;
	*result = 0;
	if (w < b->first_word || w > b->last_word)
		return 1;
	if (offset < GICD_ICENABLER) {
		if (is_write)
			b->config->enabled[w] |= v;
		*result = b->config->enabled[w];
	} else if (offset < GICD_ISPENDR) {
		if (is_write) {
			b->config->enabled[w] &= ~v;
			for (unsigned int i = 0; i < b->nr_cpus; i++)
				vgic_unlist_disabled(b->cpus[i]);
		}
		*result = b->config->enabled[w];
	} else if (offset < GICD_ISACTIVER) {
		for (uint32_t bits = v; is_write && offset < GICD_ICPENDR && bits; bits &= bits - 1)
			vgic_raise(b->cpus[0], 32 * w + __builtin_ctz(bits));
		for (unsigned int i = 0; is_write && offset >= GICD_ICPENDR && i < b->nr_cpus; i++)
			vgic_clear_pending(b->cpus[i], 32 * w, v);
		*result = any_cpu(b, w, vgic_pending_bits);
	} else {
		if (is_write)
			set_active(b, w, v, offset < GICD_ICACTIVER);
		*result = any_cpu(b, w, vgic_active_bits);
	}
	return 1;
}

/* IPRIORITYR (a byte per interrupt, accessed by byte or by word) and ICFGR,
 * for INTIDs first..last-1. */
static int config_access(struct vgic_config *c, uint64_t offset, int is_write, uint64_t value,
			 unsigned int size, unsigned int first, unsigned int last, uint64_t *result)
{
	if (offset >= GICD_IPRIORITYR + first && offset + size <= GICD_IPRIORITYR + last) {
		unsigned int intid = offset - GICD_IPRIORITYR;

		*result = 0;
		for (unsigned int i = 0; i < size; i++) {
			if (is_write)
				c->priority[intid + i] = value >> (8 * i);
			*result |= (uint64_t)c->priority[intid + i] << (8 * i);
		}
		return 1;
	}
	if (offset >= GICD_ICFGR + first / 4 && offset + 4 <= GICD_ICFGR + last / 4 && size == 4) {
		unsigned int w = (offset - GICD_ICFGR) / 4;

		if (is_write)
			c->config[w] = value;
		*result = c->config[w];
		return 1;
	}
	return 0;
}

uint64_t vgic_dist_access(struct vgic_dist *d, uint64_t offset, int is_write, uint64_t value,
			  unsigned int size)
{
	const struct bank spis = { &d->spis, d->cpus, d->nr_cpus, 1, VGIC_NR_IRQS / 32 - 1 };
	uint64_t result = 0;

	if (bitmap_access(&spis, offset, is_write, value, &result) ||
	    config_access(&d->spis, offset, is_write, value, size, 32, VGIC_NR_IRQS, &result))
		return result;
	if (offset >= GICD_IROUTER + 8 * 32 && offset < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
		uint64_t *route = &d->irouter[(offset - GICD_IROUTER) / 8];
		unsigned int shift = (offset & 4) * 8;

		if (is_write)
			*route = size == 8 ? value :
				 (*route & ~(0xffffffffUL << shift)) | ((value & 0xffffffff) << shift);
		return size == 8 ? *route : (uint32_t)(*route >> shift);
	}
	switch (offset) {
	case GICD_CTLR:
		if (is_write)
			d->ctlr = value & GICD_CTLR_RW;
		return d->ctlr;		/* RWP never set: writes take effect at once */
	case GICD_TYPER:	/* ITLinesNumber for 96 INTIDs, 10 ID bits, no LPIs; CPUNumber */
		return (9u << 19) | ((d->nr_cpus - 1) << 5) | (VGIC_NR_IRQS / 32 - 1);
	case GICD_IIDR:
		return IIDR_ARM;
	case GIC_PIDR2:
		return GIC_PIDR2_V3;
	default:
		return 0;
	}
}

uint64_t vgic_redist_access(struct vgic_dist *d, uint64_t offset, int is_write, uint64_t value,
			    unsigned int size)
{
	unsigned int index = offset / VGICR_SIZE;
	struct vgic_state *s = d->cpus[index];
	const struct bank own = { &s->own, &d->cpus[index], 1, 0, 0 };
	uint64_t result = 0;

	offset %= VGICR_SIZE;
	if (offset >= GICR_SGI_FRAME) {	/* SGIs and PPIs: the distributor's layout, word 0 */
		offset -= GICR_SGI_FRAME;
		if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR)
			return bitmap_access(&own, offset, is_write, value, &result) ? result : 0;
		return config_access(&s->own, offset, is_write, value, size, 0, 32, &result) ? result : 0;
	}
	switch (offset) {
	case GICR_TYPER:	/* its processor number, the last frame's Last; its affinity
				 * above (Aff0, as its VMPIDR has it) */
		return (index << 8) | (index + 1 == d->nr_cpus ? GICR_TYPER_LAST : 0) |
		       (size == 8 ? (uint64_t)index << 32 : 0);
	case GICR_TYPER + 4:
		return index;
	case GICR_IIDR:
		return IIDR_ARM;
	case GICR_WAKER:
		if (is_write)
			s->redist_waker = value & GICR_WAKER_SLEEP;
		return s->redist_waker | (s->redist_waker & GICR_WAKER_SLEEP ? GICR_WAKER_ASLEEP : 0);
	case GIC_PIDR2:
		return GIC_PIDR2_V3;
	case GICR_CTLR:
	default:
		return 0;
	}
}
