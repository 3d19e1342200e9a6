"""Byte patterns the firmware generates, rebuilt here exactly, and the small
hash it reports over them."""

SELFTEST_LEN = 0x10000
SELFTEST_CHUNK = 256
SELFTEST_TEXT = b"zvm-hil lzo selftest "
SELFTEST_SEED = 0x2545F491


def xorshift32(state: int) -> int:
    state ^= (state << 13) & 0xFFFFFFFF
    state ^= state >> 17
    state ^= (state << 5) & 0xFFFFFFFF
    return state


def selftest_pattern(length: int = SELFTEST_LEN) -> bytes:
    """hypervisor/lzo_selftest.c's fill_pattern: 256-byte chunks cycling
    through zeros, repeated text and xorshift32 noise."""
    out = bytearray(length)
    state = SELFTEST_SEED
    for i in range(length):
        kind = (i // SELFTEST_CHUNK) % 3
        if kind == 1:
            out[i] = SELFTEST_TEXT[i % len(SELFTEST_TEXT)]
        elif kind == 2:
            state = xorshift32(state)
            out[i] = state & 0xFF
    return bytes(out)


def fnv1a32(data: bytes) -> int:
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h
