"""What the memstress guest (guests/memstress/main.c) reports: one CRC-32 per
region of its seeded pattern."""

import zlib

from .patterns import xorshift32_bytes


def region_seed(seed: int, index: int) -> int:
    s = (seed * 0x9E3779B1 + index + 1) & 0xFFFFFFFF
    return s or 1


def regions(image_end: int, dtb_ipa: int, region_size: int) -> list[tuple[int, int]]:
    """(index, ipa) of every region between the image and the DTB."""
    start = _align_up(image_end, region_size)
    return [(i, start + i * region_size) for i in range((dtb_ipa - start) // region_size)]


def region_crc(seed: int, index: int, region_size: int) -> int:
    data, _ = xorshift32_bytes(region_seed(seed, index), region_size)
    return zlib.crc32(data)


def _align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align
