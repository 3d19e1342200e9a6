"""The run's frame, whatever its VMs do: the boot self-checks, the host disk
and the zpool, each VM created as the plan describes it, the dynamic build's
counters and the power-off. Each is reported exactly once, in the order the
firmware's start-up and end take."""

from ..expect import Expected, check_sequence
from ..memory_map import QEMU_VIRTIO_BLK
from ..models import selftest
from ..models.virtio_blk import SECTOR

MPIDR_RES1 = 1 << 31

# The frame's events (`zpool` only as reported at boot, without a VM).
FRAME = frozenset({"boot", "board", "lzo-selftest", "cpu-up", "zpool", "hostblk", "vm-create",
                   "memstats", "poweroff"})


def boot_expectations(board, image) -> list[Expected]:
    """The right image at EL2, libfdt reading the board as configured (a
    QEMU board's DTB; another board's only in its place), liblzo2 agreeing
    byte for byte with python-lzo, and every other CPU started, in the
    DTB's order (QEMU's MPIDRs: Aff0 its index, bit 31 set)."""
    qemu = board.kind == "qemu"
    board_fields = selftest.board(board) if qemu else {}
    return [Expected("boot", {"el": 2, "build": image.build_id}), Expected("board", board_fields),
            Expected("lzo-selftest", selftest.lzo_selftest())] + [
        Expected("cpu-up", {"mpidr": MPIDR_RES1 | cpu} if qemu else {}, {"index": cpu})
        for cpu in range(1, board.cpus)]


def vm_expectations(plan) -> list[Expected]:
    """What the hypervisor reports setting up the VMs: the zpool, the host
    disk the back-end found (QEMU's virtio-blk: the harness attaches one
    when a VM has a share of it), and each VM created as described."""
    out = []
    if plan.zpool_size:
        out.append(Expected("zpool", {"size": plan.zpool_size, "used": 0, "stored": 0}))
    if any(vm.spec.disk_sectors and not vm.spec.passthrough for vm in plan.vms):
        out.append(Expected("hostblk", {"mmio": QEMU_VIRTIO_BLK,  # QEMU's device offers FLUSH
                                        "sectors": plan.disk_size // SECTOR, "flush": 1}))
    for vm in plan.vms:
        spec = vm.spec
        if spec.offered:  # the shell's to create (checks/shell.py)
            continue
        out.append(Expected("vm-create", {"name": spec.name, "vmid": vm.vmid, "ipa": vm.ram_ipa,
                                          "size": spec.memory, "entry": vm.image.entry},
                            {"vm": vm.index}))
    return out


def check_frame(board, image, plan, trace, powered_off: bool = True) -> list[str]:
    """The frame's events one for one, and nothing of the VMs before the
    start-up's end or after the end began. `powered_off`: the reading
    reached the firmware's end (else it says why not)."""
    expected = boot_expectations(board, image) + (vm_expectations(plan) if plan else [])
    start_up = next((i for i, e in enumerate(expected) if e.event == "vm-create"), len(expected))
    end = [Expected("memstats", {})] if plan and plan.variant == "dynamic" else []
    end = end + [Expected("poweroff", {"reason": "done"})] if powered_off else []
    prompt = trace.first("shell-ready")
    shell_from = prompt.line_no if prompt else None
    actual = [e for e in trace.events if _in_frame(e, shell_from)]
    if not powered_off:  # what came before the end is still checked
        actual = actual[:len(expected)]
    failures = [str(m) for m in check_sequence("run", expected + end, actual)]
    if failures:
        return failures
    events = trace.events
    outside = events[:start_up] + (events[len(events) - len(end):] if end else [])
    return [f"trace line {e.line_no}: {e} where only the firmware's start-up or end "
                       "belongs" for e in outside if not _in_frame(e, shell_from)]


def _in_frame(event, shell_from: int | None = None) -> bool:
    """`shell_from`: the line of the shell's first prompt, after which VMs
    are the shell's to create."""
    if event.name == "vm-create" and shell_from is not None and event.line_no > shell_from:
        return False
    return event.name in FRAME and not (event.name == "zpool" and "vm" in event.fields)
