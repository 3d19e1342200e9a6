"""The blkio guest (firmware_builds/guests/blkio/): it submits its VM's
requests in batches through its own virtio-blk driver and reports the
status and CRC of each. To its own memory it writes each request's data
buffer (64 KiB apart, after its image) before submitting a batch; the
virtio-blk side is models/virtio_blk.py."""

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
    }

    def memory_ops(self, plan, vm, trace) -> list[Op]:
        return memory_ops(vm.image.end, vm.spec.requests)

    def batches(self, spec) -> list[list[int]]:
        return batches(spec.requests)

    def request_report(self, vm, index: int, status: int, crc: int) -> Expected:
        return Expected("blk", {"status": status, "crc": crc}, {"idx": index}, vm=vm.spec.name)

    def expectations(self, plan, vm, prediction, trace) -> list[Expected]:
        """The start of its run, a report of each request in order (its
        status and CRC are checked against the virtio-blk model,
        checks/virtio.py), and the end."""
        if vm.index in prediction.stopped:
            return []
        count, name = len(vm.spec.requests), vm.spec.name
        capacity = plan.disk_size // 512 if vm.spec.passthrough else vm.spec.disk_sectors
        return ([Expected("blkio-start", {"requests": count, "capacity": capacity, "init": 0},
                          vm=name)]
                + [Expected("blk", {}, {"idx": k}, vm=name) for k in range(count)]
                + [Expected("blkio-done", {"requests": count}, vm=name)])


KIND = Blkio()
