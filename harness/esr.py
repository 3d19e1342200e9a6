"""ESR_ELx decoding: the exception class in words, for failure messages."""

EXCEPTION_CLASSES = {
    0x00: "unknown reason",
    0x01: "WFI/WFE",
    0x07: "SVE/SIMD/FP access",
    0x0E: "illegal execution state",
    0x15: "SVC in AArch64",
    0x16: "HVC in AArch64",
    0x17: "SMC in AArch64",
    0x18: "MSR/MRS/system instruction",
    0x20: "instruction abort from a lower EL",
    0x21: "instruction abort without a change in EL",
    0x22: "PC alignment fault",
    0x24: "data abort from a lower EL",
    0x25: "data abort without a change in EL",
    0x26: "SP alignment fault",
    0x2F: "SError",
    0x3C: "BRK instruction",
}

_FAULT_STATUS = {
    **{0x04 + level: f"translation fault, level {level}" for level in range(4)},
    **{0x08 + level: f"access flag fault, level {level}" for level in range(4)},
    **{0x0C + level: f"permission fault, level {level}" for level in range(4)},
    0x10: "synchronous external abort",
    0x21: "alignment fault",
}


def exception_class(esr: int) -> int:
    return (esr >> 26) & 0x3F


def describe(esr: int) -> str:
    """E.g. 'EC 0x25 (data abort without a change in EL): translation fault, level 1, read'."""
    ec = exception_class(esr)
    text = f"EC {ec:#04x} ({EXCEPTION_CLASSES.get(ec, 'reserved or unlisted')})"
    if ec in (0x20, 0x21, 0x24, 0x25):
        fsc = esr & 0x3F
        text += f": {_FAULT_STATUS.get(fsc, f'fault status {fsc:#04x}')}"
        if ec in (0x24, 0x25):
            text += ", write" if esr & (1 << 6) else ", read"
    return text
