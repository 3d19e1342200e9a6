"""The description target's inputs (fuzz/targets/description.c) read again
with pylibfdt, as docs/description.md defines the properties: what the C
parser accepted must be what the description says, field for field (a
misread cell, an optional property's default, a string's end). A refusal
must be one @zvm panic and nothing else."""

import libfdt

DESCRIPTION_MAX = 0x10000  # common/memory_map.h: the region the parser reads


def _u64s(fdt, node: int, name: str, count: int, default=None):
    raw = _prop(fdt, node, name)
    if raw is None or len(raw) != 8 * count:
        return default
    values = [int.from_bytes(raw[8 * i:8 * i + 8], "big") for i in range(count)]
    return values if count > 1 else values[0]


def _prop(fdt, node: int, name: str) -> bytes | None:
    """The property's bytes; None where libfdt's fdt_getprop gives NULL (not
    found, or any error in a damaged tree), as the C takes it."""
    try:
        return bytes(fdt.getprop(node, name))
    except libfdt.FdtException:
        return None


def _has(fdt, node: int, name: str) -> bool:
    return _prop(fdt, node, name) is not None


def _string(fdt, node: int, name: str) -> str | None:
    prop = _prop(fdt, node, name)
    return None if prop is None else prop.split(b"\0")[0].decode(errors="replace")


def predict(data: bytes) -> list[str]:
    """The lines the C records for an accepted description."""
    fdt = libfdt.Fdt(data.ljust(DESCRIPTION_MAX, b"\0"))
    hyp = fdt.path_offset("/hypervisor")
    heap = _u64s(fdt, hyp, "heap", 2)
    dynamic = _string(fdt, hyp, "memory-mode") == "dynamic"
    timeslice = int.from_bytes(bytes(fdt.getprop(hyp, "timeslice-us")), "big")
    lines = [f"hypervisor dynamic={int(dynamic)} heap={heap[0]:x},{heap[1]:x} "
             f"block={_u64s(fdt, hyp, 'block-size', 1, 0):x} "
             f"zpool={_u64s(fdt, hyp, 'zpool-size', 1, 0):x} "
             f"watermark={_u64s(fdt, hyp, 'heap-watermark', 1, 0):x} timeslice={timeslice:x} "
             f"shell={int(_has(fdt, hyp, 'shell'))} counted={int(_has(fdt, hyp, 'counted-time'))} "
             f"balanced={int(_string(fdt, hyp, 'placement') == 'balanced')}"]
    for node in _subnodes(fdt):
        if fdt.get_name(node).startswith("vm@"):
            lines.append(_vm_line(fdt, node))
    return lines


def _subnodes(fdt):
    """The root's subnodes, as fdt_for_each_subnode walks them: to the end,
    or to the first error."""
    try:
        node = fdt.first_subnode(0)
        while True:
            yield node
            node = fdt.next_subnode(node)
    except libfdt.FdtException:
        return


def _vm_line(fdt, node: int) -> str:
    memory, image, dtb = (_u64s(fdt, node, n, 2) for n in ("memory", "image", "dtb"))
    disk = _u64s(fdt, node, "disk", 2, [0, 0])
    vcpus = (int.from_bytes(bytes(fdt.getprop(node, "vcpus")), "big")
             if _has(fdt, node, "vcpus") else 1)
    vmid = int.from_bytes(bytes(fdt.getprop(node, "vmid")), "big")
    name = _string(fdt, node, "vm-name")[:31]
    kind = _string(fdt, node, "kind")
    return (f"vm name={name} vmid={vmid:x} vcpus={vcpus:x} memory={memory[0]:x},{memory[1]:x} "
            f"image={image[0]:x},{image[1]:x} image-ipa={_u64s(fdt, node, 'image-ipa', 1):x} "
            f"entry={_u64s(fdt, node, 'entry', 1):x} dtb={dtb[0]:x},{dtb[1]:x} "
            f"dtb-ipa={_u64s(fdt, node, 'dtb-ipa', 1):x} disk={disk[0]:x},{disk[1]:x} "
            f"os={int(kind in ('os', 'linux'))} "
            f"inject={int(_string(fdt, node, 'on-fault') == 'inject')}")


def check(data: bytes, lines: list[str]) -> str | None:
    if len(data) > DESCRIPTION_MAX:
        return None  # the target skips it
    if lines and lines[0].startswith("panic "):
        return None if len(lines) == 1 else f"a refusal and more: {lines[1:3]}"
    expected = predict(data)
    for e, a in zip(expected, lines):
        if e != a:
            return f"pylibfdt reads {e!r}, the C {a!r}"
    if len(expected) != len(lines):
        return f"pylibfdt reads {len(expected)} nodes' lines, the C records {len(lines)}"
    return None
