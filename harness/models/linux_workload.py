"""What the Linux guest's workload (harness/linux.py) does to its share of
the disk, and what each of its reads returns: every OUT writes its seeded
pattern, every IN reads what is there by then. Linux decides how the
requests reach the device (merged, split, cached); the bytes do not change."""

import hashlib
from dataclasses import dataclass, field

from .virtio_blk import IN, OUT, SECTOR, out_data


@dataclass
class Prediction:
    share: bytearray  # the VM's sectors of the disk, after the workload
    md5: dict[int, str] = field(default_factory=dict)  # request index -> MD5 of its IN


def predict(share: bytes, requests) -> Prediction:
    p = Prediction(bytearray(share))
    for i, r in enumerate(requests):
        start, length = r.sector * SECTOR, r.sectors * SECTOR
        if r.base_type == OUT:  # blkio's bytes: a Linux request is at most 128 sectors too
            p.share[start:start + length] = out_data(r)
        elif r.base_type == IN:
            p.md5[i] = hashlib.md5(bytes(p.share[start:start + length])).hexdigest()
    return p
