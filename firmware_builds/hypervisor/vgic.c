#include <string.h>

#include "sysregs.h"
#include "vgic.h"

#define ICH_HCR_EL2	S3_4_C12_C11_0
#define ICH_VTR_EL2	S3_4_C12_C11_1
#define ICH_VMCR_EL2	S3_4_C12_C11_7
#define ICH_AP0R0_EL2	S3_4_C12_C8_0
#define ICH_AP1R0_EL2	S3_4_C12_C9_0

#define LR_STATE_MASK	(3UL << 62)
#define LR_PENDING	(1UL << 62)
#define LR_GROUP1	(1UL << 60)
#define LR_PRIORITY(p)	((uint64_t)(p) << 48)
#define LR_VINTID(lr)	((unsigned int)((lr) & 0xffffffff))
#define DEFAULT_PRIORITY 0xa0

static unsigned int nr_lrs;

void vgic_init(void)
{
	unsigned int listed = (READ_SYSREG(ICH_VTR_EL2) & 0x1f) + 1;

	nr_lrs = listed < VGIC_MAX_LRS ? listed : VGIC_MAX_LRS;
	WRITE_SYSREG(ICH_HCR_EL2, 1);	/* En: the virtual CPU interface is on */
	__asm__ volatile("isb");
}

void vgic_vm_init(struct vgic_state *s, int emulated)
{
	memset(s, 0, sizeof(*s));
	s->emulated = emulated;
	memset(s->priority, DEFAULT_PRIORITY, sizeof(s->priority));
	if (!emulated)	/* nothing to program: every interrupt is on */
		memset(s->enabled, 0xff, sizeof(s->enabled));
	s->redist_waker = 1u << 1;	/* ProcessorSleep, as at reset */
}

static uint64_t read_lr(unsigned int i)
{
	switch (i) {
	case 0: return READ_SYSREG(S3_4_C12_C12_0);
	case 1: return READ_SYSREG(S3_4_C12_C12_1);
	case 2: return READ_SYSREG(S3_4_C12_C12_2);
	default: return READ_SYSREG(S3_4_C12_C12_3);
	}
}

static void write_lr(unsigned int i, uint64_t v)
{
	switch (i) {
	case 0: WRITE_SYSREG(S3_4_C12_C12_0, v); break;
	case 1: WRITE_SYSREG(S3_4_C12_C12_1, v); break;
	case 2: WRITE_SYSREG(S3_4_C12_C12_2, v); break;
	default: WRITE_SYSREG(S3_4_C12_C12_3, v); break;
	}
}

void vgic_save(struct vgic_state *s)
{
	for (unsigned int i = 0; i < nr_lrs; i++)
		s->lr[i] = read_lr(i);
	s->vmcr = READ_SYSREG(ICH_VMCR_EL2);
	s->ap0r0 = READ_SYSREG(ICH_AP0R0_EL2);
	s->ap1r0 = READ_SYSREG(ICH_AP1R0_EL2);
}

static int bit(const uint32_t *map, unsigned int intid)
{
	return (map[intid / 32] >> (intid % 32)) & 1;
}

static int listed(const struct vgic_state *s, unsigned int intid)
{
	for (unsigned int i = 0; i < nr_lrs; i++)
		if ((s->lr[i] & LR_STATE_MASK) && LR_VINTID(s->lr[i]) == intid)
			return 1;
	return 0;
}

/* The most urgent pending, enabled interrupt not yet listed, or -1. */
static int next_to_list(const struct vgic_state *s)
{
	int best = -1;

	for (unsigned int intid = 0; intid < VGIC_NR_IRQS; intid++)
		if (bit(s->pending, intid) && bit(s->enabled, intid) && !listed(s, intid) &&
		    (best < 0 || s->priority[intid] < s->priority[best]))
			best = intid;
	return best;
}

void vgic_load(struct vgic_state *s)
{
	for (unsigned int i = 0; i < nr_lrs; i++) {
		int intid;

		if (s->lr[i] & LR_STATE_MASK)
			continue;	/* still pending or active in the guest */
		s->lr[i] = 0;
		if ((intid = next_to_list(s)) < 0)
			continue;
		s->pending[intid / 32] &= ~(1u << (intid % 32));
		s->lr[i] = LR_PENDING | LR_GROUP1 | LR_PRIORITY(s->priority[intid]) | intid;
	}
	WRITE_SYSREG(ICH_VMCR_EL2, s->vmcr);
	WRITE_SYSREG(ICH_AP0R0_EL2, s->ap0r0);
	WRITE_SYSREG(ICH_AP1R0_EL2, s->ap1r0);
	for (unsigned int i = 0; i < nr_lrs; i++)
		write_lr(i, s->lr[i]);
	__asm__ volatile("isb");
}

void vgic_raise(struct vgic_state *s, unsigned int intid)
{
	if (intid < VGIC_NR_IRQS)
		s->pending[intid / 32] |= 1u << (intid % 32);
}

void vgic_set_level(struct vgic_state *s, unsigned int intid, int high)
{
	if (high && !listed(s, intid))
		vgic_raise(s, intid);
	else if (!high)
		s->pending[intid / 32] &= ~(1u << (intid % 32));
}

int vgic_has_pending(const struct vgic_state *s)
{
	for (unsigned int i = 0; i < nr_lrs; i++)
		if ((s->lr[i] & LR_STATE_MASK) == LR_PENDING)
			return 1;
	for (unsigned int w = 0; w < VGIC_NR_IRQS / 32; w++)
		if (s->pending[w] & s->enabled[w])
			return 1;
	return 0;
}
