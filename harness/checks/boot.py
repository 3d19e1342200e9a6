"""What every run must report whatever its VMs do: the boot self-checks,
and each VM created as the plan describes it."""

from ..expect import Expected
from ..memory_map import GUEST_RAM_IPA
from ..models import selftest


def boot_expectations(board, image) -> list[Expected]:
    """The right image at EL2, libfdt reading the board as configured (a
    QEMU board's DTB), and liblzo2 agreeing byte for byte with python-lzo."""
    board_check = [Expected("board", selftest.board(board))] if board.kind == "qemu" else []
    return ([Expected("boot", {"el": 2, "build": image.build_id})] + board_check
            + [Expected("lzo-selftest", selftest.lzo_selftest())])


def vm_expectations(plan) -> list[Expected]:
    """What does not depend on the memory model: each VM created as
    described, and the zpool at boot."""
    out = []
    for vm in plan.vms:
        spec = vm.spec
        out.append(Expected("vm-create", {"name": spec.name, "vmid": vm.vmid, "ipa": GUEST_RAM_IPA,
                                          "size": spec.memory, "entry": vm.image.entry},
                            {"vm": vm.index}))
    if plan.zpool_size:  # reported once at boot, before any VM's own
        out.append(Expected("zpool", {"size": plan.zpool_size, "used": 0, "stored": 0}))
    return out
