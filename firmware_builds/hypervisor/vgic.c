#include <string.h>

#include "sysregs.h"
#include "vgic.h"

#define ICH_HCR_EL2	S3_4_C12_C11_0
#define ICH_VTR_EL2	S3_4_C12_C11_1
#define ICH_VMCR_EL2	S3_4_C12_C11_7
#define ICH_AP0R0_EL2	S3_4_C12_C8_0
#define ICH_AP1R0_EL2	S3_4_C12_C9_0

#define VMCR_VENG1	(1UL << 1)	/* ICH_VMCR_EL2: the guest's Group 1 enable */
#define LR_STATE_MASK	(3UL << 62)
#define LR_PENDING	(1UL << 62)
#define LR_ACTIVE	(2UL << 62)
#define LR_EOI		(1UL << 41)	/* maintenance interrupt on deactivation */
#define LR_GROUP1	(1UL << 60)
#define LR_PRIORITY(p)	((uint64_t)(p) << 48)
#define LR_VINTID(lr)	((unsigned int)((lr) & 0xffffffff))
#define DEFAULT_PRIORITY 0xa0

static unsigned int nr_lrs;

void vgic_init(void)
{
	unsigned int listed = (READ_SYSREG(ICH_VTR_EL2) & 0x1f) + 1;

	nr_lrs = listed < VGIC_MAX_LRS ? listed : VGIC_MAX_LRS;
	vgic_off();
}

static void config_reset(struct vgic_config *c, int emulated)
{
	memset(c, 0, sizeof(*c));
	memset(c->priority, DEFAULT_PRIORITY, sizeof(c->priority));
	if (!emulated)	/* nothing to program: every interrupt is on */
		memset(c->enabled, 0xff, sizeof(c->enabled));
}

void vgic_vm_init(struct vgic_dist *d, struct vgic_state *const *cpus, unsigned int nr_cpus,
		  int emulated)
{
	memset(d, 0, sizeof(*d));
	d->emulated = emulated;
	config_reset(&d->spis, emulated);
	d->nr_cpus = nr_cpus;
	for (unsigned int i = 0; i < nr_cpus; i++) {
		struct vgic_state *s = cpus[i];

		memset(s, 0, sizeof(*s));
		s->dist = d;
		s->index = i;
		config_reset(&s->own, emulated);
		s->redist_waker = 1u << 1;	/* ProcessorSleep, as at reset */
		d->cpus[i] = s;
	}
}

struct vgic_state *vgic_spi_target(const struct vgic_dist *d, unsigned int intid)
{
	uint64_t route = d->irouter[intid];
	unsigned int aff0 = route & 0xff;
	int one_of_n = (route >> 31) & 1;	/* IRM */

	if (one_of_n || (route & 0xff00ffff00UL) || aff0 >= d->nr_cpus)
		return d->cpus[0];
	return d->cpus[aff0];
}

/* Where an interrupt's configuration lives. */
static const struct vgic_config *config_of(const struct vgic_state *s, unsigned int intid)
{
	return intid < 32 ? &s->own : &s->dist->spis;
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

static int enabled(const struct vgic_state *s, unsigned int intid)
{
	return bit(config_of(s, intid)->enabled, intid);
}

static unsigned int priority(const struct vgic_state *s, unsigned int intid)
{
	return config_of(s, intid)->priority[intid];
}

static int listed(const struct vgic_state *s, unsigned int intid)
{
	for (unsigned int i = 0; i < nr_lrs; i++)
		if ((s->lr[i] & LR_STATE_MASK) && LR_VINTID(s->lr[i]) == intid)
			return 1;
	return 0;
}

/* The most urgent pending, enabled interrupt not yet listed, or -1 (the
 * lowest INTID of equal priority). Only the pending bits are visited: this
 * runs at every return to a guest. */
static int next_to_list(const struct vgic_state *s)
{
	int best = -1;

	for (unsigned int w = 0; w < VGIC_NR_IRQS / 32; w++)
		for (uint32_t bits = s->pending[w]; bits; bits &= bits - 1) {
			unsigned int intid = 32 * w + (unsigned int)__builtin_ctz(bits);

			if (enabled(s, intid) && !listed(s, intid) &&
			    (best < 0 || priority(s, intid) < priority(s, best)))
				best = intid;
		}
	return best;
}

static uint64_t list_entry(const struct vgic_state *s, unsigned int intid, uint64_t state)
{
	return state | LR_GROUP1 | LR_PRIORITY(priority(s, intid)) | intid |
	       (bit(config_of(s, intid)->resample, intid) ? LR_EOI : 0);
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
		s->lr[i] = list_entry(s, intid, LR_PENDING);
	}
	WRITE_SYSREG(ICH_VMCR_EL2, s->vmcr);
	WRITE_SYSREG(ICH_AP0R0_EL2, s->ap0r0);
	WRITE_SYSREG(ICH_AP1R0_EL2, s->ap1r0);
	for (unsigned int i = 0; i < nr_lrs; i++)
		write_lr(i, s->lr[i]);
	WRITE_SYSREG(ICH_HCR_EL2, 1);	/* En: the virtual CPU interface is on */
	__asm__ volatile("isb");
}

void vgic_off(void)
{
	WRITE_SYSREG(ICH_HCR_EL2, 0);
	__asm__ volatile("isb");
}

void vgic_raise(struct vgic_state *s, unsigned int intid)
{
	if (intid >= VGIC_NR_IRQS)
		return;
	if (intid >= 32)
		s = vgic_spi_target(s->dist, intid);
	s->pending[intid / 32] |= 1u << (intid % 32);
}

void vgic_set_level(struct vgic_state *s, unsigned int intid, int high)
{
	if (intid >= 32)
		s = vgic_spi_target(s->dist, intid);
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
		if (s->pending[w] & config_of(s, 32 * w)->enabled[w])
			return 1;
	return 0;
}

int vgic_can_wake(const struct vgic_state *s)
{
	if (!(s->vmcr & VMCR_VENG1))
		return 0;
	if (s->own.enabled[0])
		return 1;
	for (unsigned int intid = 32; intid < VGIC_NR_IRQS; intid++)
		if (((s->dist->spis.enabled[intid / 32] >> (intid % 32)) & 1) &&
		    vgic_spi_target(s->dist, intid) == s)
			return 1;
	return 0;
}

void vgic_resample_on_deactivate(struct vgic_state *s, unsigned int intid)
{
	struct vgic_config *c = intid < 32 ? &s->own : &s->dist->spis;

	c->resample[intid / 32] |= 1u << (intid % 32);
}

/* The interrupts from `first` listed with any of the `state` bits. */
static uint32_t listed_bits(const struct vgic_state *s, unsigned int first, uint64_t state)
{
	uint32_t bits = 0;

	for (unsigned int i = 0; i < nr_lrs; i++)
		if ((s->lr[i] & state) && LR_VINTID(s->lr[i]) - first < 32)
			bits |= 1u << (LR_VINTID(s->lr[i]) - first);
	return bits;
}

uint32_t vgic_pending_bits(const struct vgic_state *s, unsigned int first)
{
	return s->pending[first / 32] | listed_bits(s, first, LR_PENDING);
}

uint32_t vgic_active_bits(const struct vgic_state *s, unsigned int first)
{
	return listed_bits(s, first, LR_ACTIVE);
}

/* Clears `state` from the list registers of the interrupts in `bits`. */
static void clear_listed(struct vgic_state *s, unsigned int first, uint32_t bits, uint64_t state)
{
	for (unsigned int i = 0; i < nr_lrs; i++) {
		unsigned int n = LR_VINTID(s->lr[i]) - first;

		if ((s->lr[i] & LR_STATE_MASK) && n < 32 && (bits >> n) & 1)
			s->lr[i] &= ~state;
	}
}

void vgic_clear_pending(struct vgic_state *s, unsigned int first, uint32_t bits)
{
	s->pending[first / 32] &= ~bits;
	clear_listed(s, first, bits, LR_PENDING);
}

void vgic_set_active(struct vgic_state *s, unsigned int first, uint32_t bits, int active)
{
	if (!active) {
		clear_listed(s, first, bits, LR_ACTIVE);
		return;
	}
	for (unsigned int i = 0; i < nr_lrs; i++) {
		unsigned int n = LR_VINTID(s->lr[i]) - first;

		if ((s->lr[i] & LR_STATE_MASK) && n < 32 && (bits >> n) & 1) {
			s->lr[i] |= LR_ACTIVE;
			bits &= ~(1u << n);
		}
	}
	/* Only a list register holds the active state: the others take a free
	 * one each, with their pending state. With none free the write is lost. */
	for (unsigned int i = 0; i < nr_lrs && bits; i++) {
		if (s->lr[i] & LR_STATE_MASK)
			continue;
		unsigned int intid = first + __builtin_ctz(bits);
		uint64_t state = LR_ACTIVE | (bit(s->pending, intid) ? LR_PENDING : 0);

		bits &= bits - 1;
		s->pending[intid / 32] &= ~(1u << (intid % 32));
		s->lr[i] = list_entry(s, intid, state);
	}
}

void vgic_unlist_disabled(struct vgic_state *s)
{
	for (unsigned int i = 0; i < nr_lrs; i++) {
		unsigned int intid = LR_VINTID(s->lr[i]);

		if ((s->lr[i] & LR_STATE_MASK) == LR_PENDING && intid < VGIC_NR_IRQS &&
		    !enabled(s, intid)) {
			vgic_raise(s, intid);
			s->lr[i] = 0;
		}
	}
}
