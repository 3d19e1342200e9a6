"""The blkio guest (firmware_builds/guests/blkio/): it submits its VM's
requests in batches through its own virtio-blk driver and reports the
status and CRC of each. Its params: reset_after (after that batch, it
resets the device and negotiates again) and abandon_last (it exits right
after notifying its last batch, which the hypervisor must then drop). To its
own memory it writes each request's data buffer (64 KiB apart, after its
image) before submitting a batch; the virtio-blk side is
models/virtio_blk.py."""

from ..expect import Expected
from ..models.memblock import PAGE, Op
from ..spec import BlkRequest
from .base import GuestKind, data_length

MAX_DATA = 0x10000
BATCH = 20  # guests/lib/virtio_blk.h VBLK_BATCH


def batches(requests: tuple[BlkRequest, ...]) -> list[list[int]]:
    """Request indices as blkio groups them: same batch number, at most BATCH."""
    out: list[list[int]] = []
    for i, r in enumerate(requests):
        if out and len(out[-1]) < BATCH and requests[out[-1][-1]].batch == r.batch:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def memory_ops(image_end: int, requests: tuple[BlkRequest, ...]) -> list[Op]:
    data = (image_end + MAX_DATA - 1) // MAX_DATA * MAX_DATA
    ops = [Op("create")]
    for batch in batches(requests):
        for slot, i in enumerate(batch):
            start = data + slot * MAX_DATA
            ops += [Op("write", page) for page in
                    range(start, start + data_length(requests[i]), PAGE)]
    return ops + [Op("exit")]


class Blkio(GuestKind):
    name = "blkio"
    events = {
        "blkio-start": frozenset({"requests", "capacity", "init"}),
        "blk": frozenset({"idx", "status", "crc"}),
        "blkio-done": frozenset({"requests", "interrupts"}),
        "blkio-reset": frozenset({"init"}),
    }

    def memory_ops(self, plan, vm, trace) -> list[Op]:
        return memory_ops(vm.image.end, vm.spec.requests)

    def batches(self, spec) -> list[list[int]]:
        return batches(spec.requests)

    def waits_for_last(self, spec) -> bool:
        return not spec.params.get("abandon_last")

    def request_report(self, vm, index: int, status: int, crc: int) -> Expected | None:
        """None for a request of a last batch it does not wait for: done or
        not before it exits (on another CPU it can be), it never reports it."""
        if not self.waits_for_last(vm.spec) and index in batches(vm.spec.requests)[-1]:
            return None
        return Expected("blk", {"status": status, "crc": crc}, {"idx": index}, vm=vm.spec.name)

    def expectations(self, plan, vm, prediction, trace) -> list[Expected]:
        """The start of its run, a report of each request in order (its
        status and CRC are checked against the virtio-blk model,
        checks/virtio.py), and the end."""
        if vm.index in prediction.stopped:
            return []
        count, name = len(vm.spec.requests), vm.spec.name
        capacity = plan.disk_size // 512 if vm.spec.passthrough else vm.spec.disk_sectors
        out = [Expected("blkio-start", {"requests": count, "capacity": capacity, "init": 0},
                        vm=name)]
        groups = batches(vm.spec.requests)
        if not self.waits_for_last(vm.spec):
            groups = groups[:-1]  # gone before it could report them
        for b, group in enumerate(groups):
            out += [Expected("blk", {}, {"idx": k}, vm=name) for k in group]
            if b == vm.spec.params.get("reset_after", -1):
                out.append(Expected("blkio-reset", {"init": 0}, vm=name))
        return out + [Expected("blkio-done", {"requests": count}, vm=name)]


KIND = Blkio()
