#include "vgic.h"

#define WRITE_SYSREG(name, v) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(v)))
#define READ_SYSREG(name) ({ uint64_t v; __asm__ volatile("mrs %0, " #name : "=r"(v)); v; })

#define ICH_HCR_EL2	S3_4_C12_C11_0
#define ICH_VMCR_EL2	S3_4_C12_C11_7
#define ICH_AP1R0_EL2	S3_4_C12_C9_0
#define ICH_LR0_EL2	S3_4_C12_C12_0

#define LR_STATE_MASK	(3UL << 62)
#define LR_PENDING	(1UL << 62)
#define LR_GROUP1	(1UL << 60)
#define LR_PRIORITY(p)	((uint64_t)(p) << 48)

void vgic_init(void)
{
	WRITE_SYSREG(ICH_HCR_EL2, 1);	/* En: the virtual CPU interface is on */
	__asm__ volatile("isb");
}

void vgic_save(struct vgic_state *s)
{
	s->lr0 = READ_SYSREG(ICH_LR0_EL2);
	s->vmcr = READ_SYSREG(ICH_VMCR_EL2);
	s->ap1r0 = READ_SYSREG(ICH_AP1R0_EL2);
}

void vgic_load(struct vgic_state *s)
{
	if (s->pending && !(s->lr0 & LR_STATE_MASK)) {
		s->lr0 = LR_PENDING | LR_GROUP1 | LR_PRIORITY(0xa0) | VIRTIO_BLK_VINTID;
		s->pending = 0;
	}
	WRITE_SYSREG(ICH_VMCR_EL2, s->vmcr);
	WRITE_SYSREG(ICH_AP1R0_EL2, s->ap1r0);
	WRITE_SYSREG(ICH_LR0_EL2, s->lr0);
	__asm__ volatile("isb");
}

int vgic_has_pending(const struct vgic_state *s)
{
	return s->pending || (s->lr0 & LR_STATE_MASK) == LR_PENDING;
}
