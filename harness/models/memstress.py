"""What the memstress guest (guests/memstress/main.c) reports: one CRC-32 per
region of its seeded pattern."""

import zlib
from functools import cache

from .memblock import FAULT_CODE, PAGE, Op
from .patterns import xorshift32, xorshift32_bytes

DEFAULTS = {"seed": 1, "region_size": 0x10000, "order_seed": 0, "release_offset": 0,
            "release_size": 0, "bogus_release_ipa": 0, "bogus_release_size": 0x1000,
            "stray_ipa": 0, "data_kinds": 0, "hyp_crc_region": -1,
            "crash_ipa": 0, "wait_first": 0, "pause_after_fill": 0, "expect_zero": 0}  # crash_ipa: a fault no model predicts (tests of failure reports)
TEXT = b"memstress repeats this text.    "  # the guest's text_words


def params(given: dict[str, int]) -> dict[str, int]:
    return {**DEFAULTS, **given}


def region_seed(seed: int, index: int) -> int:
    s = (seed * 0x9E3779B1 + index + 1) & 0xFFFFFFFF
    return s or 1


def regions(image_end: int, dtb_ipa: int, region_size: int) -> list[tuple[int, int]]:
    """(index, ipa) of every region between the image and the DTB."""
    start = _align_up(image_end, region_size)
    return [(i, start + i * region_size) for i in range((dtb_ipa - start) // region_size)]


def touch_order(count: int, order_seed: int) -> list[int]:
    """The guest's Fisher-Yates shuffle driven by xorshift32 (or ascending)."""
    order = list(range(count))
    state = order_seed & 0xFFFFFFFF
    if not state:
        return order
    for i in range(count - 1, 0, -1):
        state = xorshift32(state)
        j = state % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def data_kind(p: dict[str, int], index: int) -> int:
    """0 zeros, 1 text, 2 seeded noise (guests/memstress/main.c kind_of)."""
    return index % 3 if p["data_kinds"] else 2


def memory_ops(image_end: int, dtb_ipa: int, given: dict[str, int]) -> list[Op]:
    """The memory operations memstress causes, in the order it causes them."""
    p = params(given)
    size = p["region_size"]
    regions_ = regions(image_end, dtb_ipa, size)
    ops = [Op("create")]
    if p["stray_ipa"]:
        return ops + [Op("exit", code=FAULT_CODE, reason="fault")]
    if p["bogus_release_ipa"]:
        ops.append(Op("release", p["bogus_release_ipa"], p["bogus_release_size"]))

    def pages(ipa: int, kind: str) -> list[Op]:
        return [Op(kind, page) for page in range(ipa, ipa + size, PAGE)]

    start = dict(regions_)
    for idx in touch_order(len(regions_), p["order_seed"]):
        if p["expect_zero"]:  # read (and counted) before it is filled
            ops += pages(start[idx], "read")
        ops += pages(start[idx], "write")
    ops.append(Op("checkpoint"))
    if 0 <= p["hyp_crc_region"] < len(regions_):
        ops.append(Op("hyp-read", start[p["hyp_crc_region"]], size))
    if p["release_size"]:
        lo = _align_up(image_end, size) + p["release_offset"]
        hi = lo + p["release_size"]
        refill = tuple(page for _, ipa in regions_ if ipa < hi and lo < ipa + size
                       for page in range(ipa, ipa + size, PAGE))
        ops += [Op("release", lo, p["release_size"], refill=refill), Op("checkpoint")]
    for _, ipa in regions_:  # verify: one pass to compare, one to CRC
        ops += pages(ipa, "read") + pages(ipa, "read")
    return ops + [Op("exit")]


def page_content(image_end: int, dtb_ipa: int, given: dict[str, int]):
    """The bytes memstress writes into the page at an IPA."""
    p = params(given)
    size = p["region_size"]
    first = _align_up(image_end, size)

    def content(page: int) -> bytes:
        index, offset = divmod(page - first, size)
        data = region_bytes(p["seed"], index, size, data_kind(p, index))
        return data[offset:offset + PAGE]
    return content


@cache
def region_bytes(seed: int, index: int, region_size: int, kind: int = 2) -> bytes:
    if kind == 0:
        return bytes(region_size)
    if kind == 1:
        return TEXT * (region_size // len(TEXT))
    return xorshift32_bytes(region_seed(seed, index), region_size)[0]


@cache
def region_crc(seed: int, index: int, region_size: int, kind: int = 2) -> int:
    return zlib.crc32(region_bytes(seed, index, region_size, kind))


def _align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align
