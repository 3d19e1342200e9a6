"""Byte patterns the firmware generates, rebuilt here exactly."""

import struct

SELFTEST_LEN = 0x10000
SELFTEST_CHUNK = 256
SELFTEST_TEXT = b"zvm-hil lzo selftest "
SELFTEST_SEED = 0x2545F491


def xorshift32(state: int) -> int:
    state ^= (state << 13) & 0xFFFFFFFF
    state ^= state >> 17
    state ^= (state << 5) & 0xFFFFFFFF
    return state


def xorshift32_bytes(state: int, length: int) -> tuple[bytes, int]:
    """`length` (a multiple of 4) bytes of xorshift32 output, one little-endian
    word per step; returns them and the state after."""
    words = []
    for _ in range(length // 4):
        state = xorshift32(state)
        words.append(state)
    return struct.pack(f"<{len(words)}I", *words), state


def selftest_pattern(length: int = SELFTEST_LEN) -> bytes:
    """hypervisor/lzo_selftest.c's fill_pattern: 256-byte chunks cycling
    through zeros, repeated text and xorshift32 noise."""
    text = SELFTEST_TEXT * (length // len(SELFTEST_TEXT) + 1)
    out = bytearray(length)
    state = SELFTEST_SEED
    for start in range(0, length, SELFTEST_CHUNK):
        end = min(start + SELFTEST_CHUNK, length)
        kind = (start // SELFTEST_CHUNK) % 3
        if kind == 1:  # the text continues across chunks: byte i is text[i % len]
            offset = start % len(SELFTEST_TEXT)
            out[start:end] = text[offset:offset + end - start]
        elif kind == 2:
            out[start:end], state = xorshift32_bytes(state, end - start)
    return bytes(out)
