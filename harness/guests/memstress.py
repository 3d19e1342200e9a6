"""The memstress guest (firmware_builds/guests/memstress/): it fills the
regions between its image and its DTB with a seeded pattern (in a shuffled
order, optionally releasing a range), then verifies each and reports one
CRC-32 per region."""

import zlib
from collections import Counter
from functools import cache

from ..expect import Expected
from ..models.memblock import FAULT_CODE, PAGE, Op
from ..models.patterns import xorshift32, xorshift32_bytes
from .base import GuestKind

RET_REFUSED = 0xFFFFFFFFFFFFFFFF  # a refused hypercall's x0

DEFAULTS = {"seed": 1, "region_size": 0x10000, "order_seed": 0, "release_offset": 0,
            "release_size": 0, "bogus_release_ipa": 0, "bogus_release_size": 0x1000,
            "stray_ipa": 0, "data_kinds": 0, "hyp_crc_region": -1,
            "crash_ipa": 0, "wait_first": 0, "pause_after_fill": 0, "expect_zero": 0}
# crash_ipa: a fault no model predicts (for tests of failure reports)
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
    """0 zeros, 1 text, 2 seeded noise, 3 zeros but the last word, 4 noise
    with every fourth word zero (guests/memstress/main.c kind_of): data_kinds
    N cycles through the first N + 2; 0 is noise only."""
    return index % (p["data_kinds"] + 2) if p["data_kinds"] else 2


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
    if kind == 3:
        return bytes(region_size - 4) + region_seed(seed, index).to_bytes(4, "little")
    if kind == 4:
        words = bytearray(xorshift32_bytes(region_seed(seed, index), region_size)[0])
        for at in range(0, region_size, 16):
            words[at:at + 4] = bytes(4)
        return bytes(words)
    return xorshift32_bytes(region_seed(seed, index), region_size)[0]


@cache
def region_crc(seed: int, index: int, region_size: int, kind: int = 2) -> int:
    return zlib.crc32(region_bytes(seed, index, region_size, kind))


def _align_up(value: int, align: int) -> int:
    return (value + align - 1) // align * align


class Memstress(GuestKind):
    name = "memstress"
    events = {
        "memstress-start": frozenset({"seed", "regions", "region-size"}),
        "region": frozenset({"idx", "ipa", "size", "crc"}),
        "memstress-done": frozenset({"mismatches"}),
        "release": frozenset({"ipa", "size", "ret"}),
        "hyp-crc": frozenset({"ipa", "size", "crc"}),
        "fresh": frozenset({"idx", "nonzero"}),
    }

    def warm_up(self, vm) -> None:
        p = params(vm.spec.params)
        for idx, _ in regions(vm.image.end, vm.dtb_ipa, p["region_size"]):
            region_crc(p["seed"], idx, p["region_size"], data_kind(p, idx))

    def params(self, scenario, index: int, partitions: list) -> dict[str, int]:
        """Its vCPUs too: it shares its regions among them (the model's
        memory operations are the same: they take turns in region order)."""
        spec = scenario.vms[index]
        return {**spec.params, "vcpus": spec.vcpus} if spec.vcpus > 1 else spec.params

    def vcpu_power(self, spec) -> Counter:
        """Each other vCPU on to share the work, and off once done with it."""
        return Counter([*(("on", i) for i in range(1, spec.vcpus)),
                        *(("off", i) for i in range(1, spec.vcpus))])

    def memory_ops(self, plan, vm, trace) -> list[Op]:
        return memory_ops(vm.image.end, vm.dtb_ipa, vm.spec.params)

    def page_content(self, plan, vm):
        return page_content(vm.image.end, vm.dtb_ipa, vm.spec.params)

    def expectations(self, plan, vm, prediction, trace) -> list[Expected]:
        """In main.c's order: start; a stray access's fault; the refused
        release; each region as it fills it (touch order), if it looks at
        fresh memory; the hypervisor's CRC; the release; every region's CRC;
        done."""
        p = params(vm.spec.params)
        size, name = p["region_size"], vm.spec.name
        regions_ = regions(vm.image.end, vm.dtb_ipa, size)
        if prediction.stopped.get(vm.index, 1) == 0:
            return []  # stopped while being created: the guest never ran
        out = [Expected("memstress-start", {"seed": p["seed"], "regions": len(regions_),
                                            "region-size": size}, vm=name)]
        if p["stray_ipa"]:  # a stage-2 fault stops the VM before its first region
            return out + [Expected("fault", {"ipa": p["stray_ipa"]}, {"vm": vm.index})]
        refused = {e["ipa"] for name_, e in prediction.events[vm.index]
                   if name_ == "release-refused"}

        def release(ipa: int, rsize: int) -> Expected:
            return Expected("release", {"size": rsize, "ret": RET_REFUSED if ipa in refused else 0},
                            {"ipa": ipa}, vm=name)

        if p["bogus_release_ipa"]:
            out.append(release(p["bogus_release_ipa"], p["bogus_release_size"]))
        if vm.index in prediction.stopped:  # the heap ran out: it must not have finished
            return out + [Expected("memstress-done", {}, vm=name, absent=True)]
        crc = {idx: region_crc(p["seed"], idx, size, data_kind(p, idx)) for idx, _ in regions_}
        if p["expect_zero"]:  # nothing of an earlier owner in memory it is given
            out += [Expected("fresh", {"nonzero": 0}, {"idx": idx}, vm=name)
                    for idx in touch_order(len(regions_), p["order_seed"])]
        if 0 <= p["hyp_crc_region"] < len(regions_):
            idx = p["hyp_crc_region"]
            out.append(Expected("hyp-crc", {"size": size, "crc": crc[idx]},
                                {"ipa": regions_[idx][1]}, vm=name))
        if p["release_size"]:
            start = regions_[0][1] if regions_ else vm.image.end
            out.append(release(start + p["release_offset"], p["release_size"]))
        return (out
                + [Expected("region", {"ipa": ipa, "size": size, "crc": crc[idx]},
                            {"idx": idx}, vm=name) for idx, ipa in regions_]
                + [Expected("memstress-done", {"mismatches": 0}, vm=name)])


KIND = Memstress()
