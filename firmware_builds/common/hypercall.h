/* The hypervisor's own hypercalls (SMCCC vendor-specific hypervisor range),
 * made by the guests with HVC (or SMC) and handled in hypervisor/traps.c. */
#ifndef ZVM_HYPERCALL_H
#define ZVM_HYPERCALL_H

#define ZVM_HVC_EXIT		0xc6000001UL	/* x1: exit code */
#define ZVM_HVC_RELEASE		0xc6000002UL	/* x1: IPA, x2: size; x0 = 0 or -1 */
#define ZVM_HVC_CHECKPOINT	0xc6000003UL	/* @zvm memlist and @zvm heap */
#define ZVM_HVC_GUEST_CRC	0xc6000004UL	/* x1 IPA, x2 size: @zvm guest-crc, read by the
						 * hypervisor as a virtio back-end would;
						 * x0 = the CRC-32 */

#endif
