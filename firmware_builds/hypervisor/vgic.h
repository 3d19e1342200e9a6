/* Virtual interrupts for guests: INTIDs 0..95 (SGIs, PPIs and 64 SPIs),
 * delivered through the GICv3 list registers while a vCPU runs. Each vCPU
 * has its own SGIs and PPIs (its redistributor) and its own pending state
 * and list registers; the SPIs' configuration is its VM's (the
 * distributor), and a raised SPI is pending on the vCPU it is routed to. A
 * VM with an emulated distributor (a Linux VM) enables, prioritises and
 * routes its interrupts itself through GICD/GICR (vgic_mmio.c); for the
 * others every interrupt is enabled at a fixed priority, SPIs on vCPU 0. */
#ifndef ZVM_VGIC_H
#define ZVM_VGIC_H

#include <stdint.h>

#define VGIC_NR_IRQS		96
#define VGIC_MAX_LRS		4
#define VGIC_MAX_VCPUS		4
#define VUART_VINTID		33	/* SPI 1: the PL011 */

/* How interrupts are configured: a vCPU's own SGIs and PPIs (word 0 of each
 * bitmap), or a VM's SPIs (the rest). */
struct vgic_config {
	uint32_t enabled[VGIC_NR_IRQS / 32];
	uint32_t config[VGIC_NR_IRQS / 16];	/* ICFGR: read back as written */
	uint32_t resample[VGIC_NR_IRQS / 32];	/* lines sampled again on deactivation */
	uint8_t priority[VGIC_NR_IRQS];
};

struct vgic_state;

/* A VM's distributor. */
struct vgic_dist {
	struct vgic_config spis;
	uint64_t irouter[VGIC_NR_IRQS];
	uint32_t ctlr;
	int emulated;				/* the guest programs GICD and GICR */
	unsigned int nr_cpus;
	struct vgic_state *cpus[VGIC_MAX_VCPUS];	/* its vCPUs' interfaces, by index */
};

/* A vCPU's interrupt state: its redistributor and its list registers. */
struct vgic_state {
	struct vgic_dist *dist;
	unsigned int index;			/* its vCPU's, Aff0 of its MPIDR */
	struct vgic_config own;			/* SGIs and PPIs */
	uint32_t pending[VGIC_NR_IRQS / 32];	/* raised, not yet in a list register */
	uint32_t redist_waker;
	uint64_t lr[VGIC_MAX_LRS], vmcr, ap0r0, ap1r0;
};

void vgic_init(void);
/* A VM's distributor and its `nr_cpus` vCPUs' interfaces, as at reset. */
void vgic_vm_init(struct vgic_dist *d, struct vgic_state *const *cpus, unsigned int nr_cpus,
		  int emulated);
/* The vCPU interface an SPI is routed to (GICD_IROUTER; vCPU 0 when it
 * names none of them or any). */
struct vgic_state *vgic_spi_target(const struct vgic_dist *d, unsigned int intid);
void vgic_save(struct vgic_state *s);
/* Restores the state, placing pending enabled interrupts (most urgent
 * first) in the free list registers, and turns the virtual CPU interface on. */
void vgic_load(struct vgic_state *s);
/* The virtual CPU interface off: no vCPU's, until the next vgic_load. An
 * idle CPU must not keep the last one's: a list register the guest
 * deactivated asks for a maintenance interrupt for as long as it is not
 * rewritten, and the CPU would never sleep. */
void vgic_off(void);
/* An edge: `intid` becomes pending on that vCPU (for an SPI, the vCPU
 * vgic_spi_target names). */
void vgic_raise(struct vgic_state *s, unsigned int intid);
/* A level-sensitive line's state now: pending while high (unless already in
 * a list register). */
void vgic_set_level(struct vgic_state *s, unsigned int intid, int high);
/* Whether the VM has an enabled interrupt waiting to be taken (a trapped WFI). */
int vgic_has_pending(const struct vgic_state *s);
/* Whether an interrupt could end the vCPU's WFI at all: its Group 1 enabled
 * (ICH_VMCR_EL2.VENG1, as saved) and an interrupt enabled that reaches it. */
int vgic_can_wake(const struct vgic_state *s);
/* A level-sensitive line the hypervisor samples rather than sees change (a
 * timer's): its list register asks for a maintenance interrupt when the
 * guest deactivates it, so that the line is sampled again then. */
void vgic_resample_on_deactivate(struct vgic_state *s, unsigned int intid);

/* The distributor's view of 32 interrupts from `first` (a multiple of 32),
 * list registers included, for the emulated GICD/GICR; s->lr must hold
 * what the CPU does (vgic_save before, vgic_load after). */
uint32_t vgic_pending_bits(const struct vgic_state *s, unsigned int first);
uint32_t vgic_active_bits(const struct vgic_state *s, unsigned int first);
void vgic_clear_pending(struct vgic_state *s, unsigned int first, uint32_t bits);
void vgic_set_active(struct vgic_state *s, unsigned int first, uint32_t bits, int active);
/* Interrupts just disabled: those listed but not yet taken go back to
 * pending, so the guest does not take them while they are disabled. */
void vgic_unlist_disabled(struct vgic_state *s);

/* The emulated distributor and redistributors (Linux VMs), at VGICD_IPA and
 * VGICR_IPA (memory_map.h): one register access; returns what a read yields. */
#define VGICD_SIZE		0x10000UL
#define VGICR_SIZE		0x20000UL
uint64_t vgic_dist_access(struct vgic_dist *d, uint64_t offset, int is_write, uint64_t value,
			  unsigned int size);
/* `offset` from the first vCPU's frame: each vCPU has one of VGICR_SIZE. */
uint64_t vgic_redist_access(struct vgic_dist *d, uint64_t offset, int is_write, uint64_t value,
			    unsigned int size);

#endif
