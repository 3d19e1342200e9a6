"""What the blkio guest (guests/blkio/main.c) does to its own memory: it
writes each request's data buffer (64 KiB apart, after its image) before
submitting a batch. The virtio-blk side is models/virtio_blk.py."""

from ..scenarios import BlkRequest
from .memblock import PAGE, Op
from .virtio_blk import data_length

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
