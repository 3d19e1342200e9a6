/* The GICv3 distributor and the one redistributor a Linux VM programs: the
 * registers its driver uses (and kvm-unit-tests' gic and timer tests),
 * backed by struct vgic_state and the list registers. No LPIs, no ITS,
 * one vCPU; everything Group 1. Unknown registers read as zero and ignore
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

/* The registers with a bit per interrupt, from word `first` on (word 0 is
 * the SGIs and PPIs: the redistributor's, not the distributor's). */
static int bitmap_access(struct vgic_state *s, uint64_t offset, int is_write, uint64_t value,
			 unsigned int first, uint64_t *result)
{
	unsigned int w;
	uint32_t v = (uint32_t)value;

	if (in_bank(offset, GICD_IGROUPR, &w)) {
		*result = 0xffffffff;		/* all Group 1, writes ignored */
	} else if (in_bank(offset, GICD_ISENABLER, &w)) {
		if (is_write && w >= first)
			s->enabled[w] |= v;
		*result = s->enabled[w];
	} else if (in_bank(offset, GICD_ICENABLER, &w)) {
		if (is_write && w >= first) {
			s->enabled[w] &= ~v;
			vgic_unlist_disabled(s);
		}
		*result = s->enabled[w];
	} else if (in_bank(offset, GICD_ISPENDR, &w)) {
		if (is_write && w >= first)
			s->pending[w] |= v;
		*result = vgic_pending_bits(s, 32 * w);
	} else if (in_bank(offset, GICD_ICPENDR, &w)) {
		if (is_write && w >= first)
			vgic_clear_pending(s, 32 * w, v);
		*result = vgic_pending_bits(s, 32 * w);
	} else if (in_bank(offset, GICD_ISACTIVER, &w) || in_bank(offset, GICD_ICACTIVER, &w)) {
		if (is_write && w >= first)
			vgic_set_active(s, 32 * w, v, offset < GICD_ICACTIVER);
		*result = vgic_active_bits(s, 32 * w);
	} else {
		return 0;
	}
	if (w < first)
		*result = 0;
	return 1;
}

/* IPRIORITYR (a byte per interrupt, accessed by byte or by word) and ICFGR. */
static int config_access(struct vgic_state *s, uint64_t offset, int is_write, uint64_t value,
			 unsigned int size, unsigned int first, unsigned int last, uint64_t *result)
{
	if (offset >= GICD_IPRIORITYR + first && offset + size <= GICD_IPRIORITYR + last) {
		unsigned int intid = offset - GICD_IPRIORITYR;

		*result = 0;
		for (unsigned int i = 0; i < size; i++) {
			if (is_write)
				s->priority[intid + i] = value >> (8 * i);
			*result |= (uint64_t)s->priority[intid + i] << (8 * i);
		}
		return 1;
	}
	if (offset >= GICD_ICFGR + first / 4 && offset + 4 <= GICD_ICFGR + last / 4 && size == 4) {
		unsigned int w = (offset - GICD_ICFGR) / 4;

		if (is_write)
			s->config[w] = value;
		*result = s->config[w];
		return 1;
	}
	return 0;
}

uint64_t vgic_dist_access(struct vgic_state *s, uint64_t offset, int is_write, uint64_t value,
			  unsigned int size)
{
	uint64_t result = 0;

	if (bitmap_access(s, offset, is_write, value, 1, &result) ||
	    config_access(s, offset, is_write, value, size, 32, VGIC_NR_IRQS, &result))
		return result;
	if (offset >= GICD_IROUTER + 8 * 32 && offset < GICD_IROUTER + 8 * VGIC_NR_IRQS) {
		uint64_t *route = &s->irouter[(offset - GICD_IROUTER) / 8];
		unsigned int shift = (offset & 4) * 8;

		if (is_write)
			*route = size == 8 ? value :
				 (*route & ~(0xffffffffUL << shift)) | ((value & 0xffffffff) << shift);
		return size == 8 ? *route : (uint32_t)(*route >> shift);
	}
	switch (offset) {
	case GICD_CTLR:
		if (is_write)
			s->dist_ctlr = value & GICD_CTLR_RW;
		return s->dist_ctlr;	/* RWP never set: writes take effect at once */
	case GICD_TYPER:	/* ITLinesNumber for 96 INTIDs, 10 ID bits, no LPIs */
		return (9u << 19) | (VGIC_NR_IRQS / 32 - 1);
	case GICD_IIDR:
		return IIDR_ARM;
	case GIC_PIDR2:
		return GIC_PIDR2_V3;
	default:
		return 0;
	}
}

uint64_t vgic_redist_access(struct vgic_state *s, uint64_t offset, int is_write, uint64_t value,
			    unsigned int size)
{
	uint64_t result = 0;

	if (offset >= GICR_SGI_FRAME) {	/* SGIs and PPIs: the distributor's layout, word 0 */
		offset -= GICR_SGI_FRAME;
		if (offset >= GICD_IGROUPR && offset < GICD_IPRIORITYR)
			return offset % 0x80 == 0 &&
			       bitmap_access(s, offset, is_write, value, 0, &result) ? result : 0;
		return config_access(s, offset, is_write, value, size, 0, 32, &result) ? result : 0;
	}
	switch (offset) {
	case GICR_TYPER:	/* processor 0, affinity 0.0.0.0, the last redistributor */
		return GICR_TYPER_LAST;
	case GICR_TYPER + 4:
		return 0;
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
