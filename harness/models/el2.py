"""The EL2 registers a VM must run with (hypervisor/vcpu_context.c,
vm_sched.c, stage2.h), bit by bit, for the values read from the CPU."""

from .stage2 import IPA_LIMIT, VTTBR_VMID_SHIFT

# HCR_EL2: stage 2 on (VM), set/way invalidation as clean (SWIO), FIQ, IRQ
# and SError to EL2 (FMO, IMO, AMO: the guests' interrupts are virtual), WFI
# and WFE trap (TWI, TWE: a waiting vCPU gives up the CPU), SMC traps (TSC),
# EL1 in AArch64 (RW); DC (default cacheable: no stage 1 needed) for all but
# Linux.
HCR = {"VM": 0, "SWIO": 1, "FMO": 3, "IMO": 4, "AMO": 5, "DC": 12, "TWI": 13, "TWE": 14,
       "TSC": 19, "RW": 31}


def hcr(own_os: bool) -> int:
    """An OS guest turns its own stage 1 on: no default cacheable (DC)."""
    return sum(1 << bit for name, bit in HCR.items() if not (own_os and name == "DC"))


def vtcr() -> int:
    """VTCR_EL2: a 32-bit IPA space (T0SZ), the walk from level 1 (SL0 = 1)
    with a 4 KiB granule (TG0 = 0), walks cached write-back and inner
    shareable (IRGN0, ORGN0, SH0), a 40-bit PA space (PS = 2); bit 31 RES1."""
    t0sz = 64 - (IPA_LIMIT.bit_length() - 1)
    return (1 << 31) | (2 << 16) | (3 << 12) | (1 << 10) | (1 << 8) | (1 << 6) | t0sz


def vmpidr(vcpu: int) -> int:
    """VMPIDR_EL2: what the vCPU reads as MPIDR_EL1: bit 31 RES1, Aff0 its number."""
    return (1 << 31) | vcpu


def vmid(vttbr: int) -> int:
    return vttbr >> VTTBR_VMID_SHIFT


# SPSR_EL2.M[4:0] the return may go to: AArch64 EL0t, EL1t or EL1h, never EL2.
GUEST_MODES = {0b00000: "EL0t", 0b00100: "EL1t", 0b00101: "EL1h"}
