"""The vblk target's inputs (fuzz/targets/vblk.c) run through a model of
the device as docs/virtio-blk.md and the virtio 1.1 specification describe
it: the virtio-mmio registers, the chains checked by
harness/models/virtqueue.py's take_chain, requests executed by
harness/models/virtio_blk.py's execute() in its dispatch_order() (with
iosched.h's tick rule), completions written into the guest as virtio says
(status byte, used element, used index, interrupt), and a device reset
dropping what is in flight (2.4.1: no access to the queues after it). The
trace it predicts must be the C's, line for line: @zvm lines, register
reads, every write into a guest (with its CRC-32), every disk access and
interrupt, and the disk's CRC-32 at the end."""

import struct
import zlib

from harness.models.virtio_blk import (FLUSH, IN, IOERR, MAX_BYTES, OK, OUT, SECTOR, Queued,
                                       Request, VmDisk, dispatch_order, execute)
from harness.models.virtqueue import Bad, directions_ok, take_chain
from oracle_lines import first_difference, relative

RAM_BASE, RAM = 0x4000_0000, (0x10000, 0x2001_0000)
DISKS = ((0, 160), (160, 96))
NAMES = ("vm-a", "the-second-vm")
ARGS = (5, 1, 3, 9, 1, 0, 0, 0, 1, 0)  # each op's argument bytes
QUEUE_MAX, MAX_WAIT_TICKS, PAGE, MASK = 128, 10, 4096, (1 << 64) - 1
FEATURES = 1 << 1 | 1 << 2 | 1 << 9 | 1 << 32  # SIZE_MAX, SEG_MAX, FLUSH, VERSION_1
SEG_MAX = 6  # BLK_MAX_SEGS - 2; SIZE_MAX: what fits the bounce buffer in that many
SIZE_MAX = MAX_BYTES // SEG_MAX // PAGE * PAGE
DRIVER_OK, FEATURES_OK = 4, 8


class Ram:
    """One VM's RAM, sparse: pages of zeros until written."""

    def __init__(self, size: int):
        self.size, self.pages = size, {}

    def inside(self, ipa: int, n: int) -> bool:
        return RAM_BASE <= ipa and ipa - RAM_BASE <= self.size and n <= self.size - (ipa - RAM_BASE)

    def read(self, ipa: int, n: int) -> bytes | None:
        if n == 0 or not self.inside(ipa, n):  # a zero length: a loop that reads nothing
            return b"" if n == 0 else None
        out = bytearray()
        while len(out) < n:
            at = ipa + len(out) - RAM_BASE
            page = self.pages.get(at // PAGE, bytes(PAGE))
            out += page[at % PAGE:at % PAGE + n - len(out)]
        return bytes(out)

    def write(self, ipa: int, data: bytes) -> bool:
        """vm_read and vm_write copy page by page: what runs out of RAM is
        left partly written."""
        if not self.inside(ipa, 1):
            return False
        fits = min(len(data), RAM_BASE + self.size - ipa)
        for i in range(fits):
            at = ipa + i - RAM_BASE
            self.pages.setdefault(at // PAGE, bytearray(PAGE))[at % PAGE] = data[i]
        return fits == len(data)


class Device:
    def __init__(self, slot: int, vm_id: int):
        self.slot, self.id, self.ram = slot, vm_id, Ram(RAM[slot])
        self.disk = VmDisk(NAMES[slot], *DISKS[slot], ())
        self.reset()

    def reset(self) -> None:
        self.status = self.dev_sel = self.drv_sel = self.drv_features = 0
        self.queue_num = self.ready = self.desc = self.avail = self.used = 0
        self.last_avail = self.used_idx = self.in_flight = self.int_status = 0


# The target's disk before each input (fuzz/targets/vblk.c), made once.
INITIAL_DISK = bytes(((i * 0x9E3779B1) & 0xFFFF_FFFF) >> 24 for i in range(256 * SECTOR))


class Model:
    def __init__(self):
        self.lines: list[str] = []
        self.devs = [Device(0, 0), Device(1, 1)]
        self.next_id = 2
        self.disk = bytearray(INITIAL_DISK)
        self.queue: list[tuple[Queued, int, dict]] = []  # with its tick and chain
        self.seq = self.rounds = self.ticks = 0

    def write(self, d: Device, ipa: int, data: bytes) -> bool:
        ok = d.ram.write(ipa, data)
        self.lines.append(f"wr vm={d.id:#x} ipa={ipa:#x} len={len(data):#x} "
                          f"crc=0x{zlib.crc32(data):08x} bad={-int(not ok)}")
        return ok

    def drop(self, d: Device) -> None:
        self.queue = [e for e in self.queue if e[0].vm != d.slot]
        d.in_flight = 0

    # The registers (virtio 1.1, 4.2.2).
    def mmio(self, d: Device, off: int, is_write: bool, value: int = 0) -> None:
        half = {0x80: "desc", 0x90: "avail", 0xA0: "used"}.get(off & ~4)
        shift = 32 if off & 4 else 0
        if not is_write:
            features = (FEATURES >> 32 * d.dev_sel) & 0xFFFF_FFFF if d.dev_sel < 2 else 0
            value = {0: 0x74726976, 4: 2, 8: 2, 0xC: 0x006D767A, 0x10: features, 0x34: QUEUE_MAX,
                     0x44: d.ready, 0x60: d.int_status, 0x70: d.status,
                     0x100: d.disk.sectors & 0xFFFF_FFFF, 0x104: d.disk.sectors >> 32,
                     0x108: SIZE_MAX, 0x10C: SEG_MAX}.get(off)
            if value is None:
                value = (getattr(d, half) >> shift) & 0xFFFF_FFFF if half else 0
            self.lines.append(f"rd vm={d.id:#x} off={off:#x} val={value:#x}")
        elif off == 0x14:
            d.dev_sel = value
        elif off == 0x24:
            d.drv_sel = value
        elif off == 0x20 and d.drv_sel < 2:
            s = 32 * d.drv_sel
            d.drv_features = d.drv_features & ~(0xFFFF_FFFF << s) | value << s
        elif off == 0x38 and value and value <= QUEUE_MAX and not value & (value - 1):
            d.queue_num = value
        elif off == 0x44:
            d.ready = int(bool(value & 1 and d.queue_num))
        elif off == 0x50 and value == 0:
            self.notify(d)
        elif off == 0x64:
            d.int_status &= ~value
        elif off == 0x70 and value == 0:  # a reset: what is in flight is dropped
            self.drop(d)
            d.reset()
        elif off == 0x70:
            if value & FEATURES_OK and (d.drv_features & ~FEATURES or not d.drv_features >> 32 & 1):
                value &= ~FEATURES_OK
            d.status = value
        elif half and not d.ready:
            old = getattr(d, half)
            setattr(d, half, old & ~(0xFFFF_FFFF << shift) | value << shift)

    def notify(self, d: Device) -> None:
        if not d.ready or not d.status & DRIVER_OK:
            return
        raw = d.ram.read(d.avail + 2, 2)
        if raw is None:
            return
        ahead = (struct.unpack("<H", raw)[0] - d.last_avail) & 0xFFFF
        if ahead > d.queue_num:
            self.lines.append(f"blk-bad vm={d.id:#x} head=0x0 reason=avail-idx")
            ahead = d.queue_num
        for _ in range(ahead):
            raw = d.ram.read((d.avail + 4 + 2 * (d.last_avail % d.queue_num)) & MASK, 2)
            if raw is None:
                return
            d.last_avail = (d.last_avail + 1) & 0xFFFF
            self.take(d, struct.unpack("<H", raw)[0])

    def take(self, d: Device, head: int) -> None:
        chain = take_chain(d.ram.read, (RAM_BASE, d.ram.size), d.desc, d.queue_num, head)
        if not isinstance(chain, Bad) and d.in_flight >= d.queue_num:
            chain = Bad("queue-full", chain.status_ipa)
        if isinstance(chain, Bad):
            self.lines.append(f"blk-bad vm={d.id:#x} head={head:#x} reason={chain.reason}")
            self.complete(d, head, chain.status_ipa, IOERR, 0)
            return
        r = Request(chain.type, chain.ioprio, chain.sector, chain.length, None,
                    not directions_ok(chain))
        self.queue.append((Queued(d.slot, 0, self.seq, r), self.ticks,
                           {"head": head, "segments": chain.segments,
                            "status_ipa": chain.status_ipa}))
        d.in_flight += 1
        self.lines.append(f"blk-req vm={d.id:#x} seq={self.seq:#x} type={r.type:#x} "
                          f"ioprio={r.ioprio:#x} sector={r.sector:#x} len={r.length:#x}")
        self.seq += 1

    def complete(self, d: Device, head: int, status_ipa: int, status: int, written: int) -> None:
        length = 0
        if status_ipa and self.write(d, status_ipa, bytes([status])):
            length = written + 1
        if d.queue_num and self.write(d, (d.used + 4 + 8 * (d.used_idx % d.queue_num)) & MASK,
                                      struct.pack("<II", head, length)):
            d.used_idx = (d.used_idx + 1) & 0xFFFF
            self.write(d, (d.used + 2) & MASK, struct.pack("<H", d.used_idx))
        d.int_status |= 1
        self.lines.append(f"irq vm={d.id:#x} intid=0x30")

    def dispatch(self, q: Queued, chain: dict) -> None:
        d, r = self.devs[q.vm], q.request
        self.lines.append(f"blk-dispatch vm={d.id:#x} seq={q.seq:#x}")
        segments = chain["segments"]
        if r.base_type == OUT and 0 < r.length <= MAX_BYTES and not r.misdirected:
            r = Request(r.type, r.ioprio, r.sector, r.length,
                        b"".join(d.ram.read(a, n) for a, n, _ in segments))
        status, data = execute(self.disk, d.disk, r)
        if r.base_type in (IN, OUT) and status == OK:
            start = d.disk.base + r.sector
            written = self.disk[start * SECTOR:start * SECTOR + r.length]
            self.lines.append(f"disk write={int(r.base_type == OUT)} sector={start:#x} "
                              f"len={r.length:#x} crc=0x{zlib.crc32(written):08x}")
        elif r.base_type == FLUSH and not r.misdirected:
            self.lines.append("disk flush")
        done = 0
        for ipa, n, _ in segments:  # IN's and GET_ID's bytes, buffer by buffer
            if done == len(data):
                break
            self.write(d, ipa, data[done:done + n])
            done += len(data[done:done + n])
        self.lines.append(f"blk-done vm={d.id:#x} seq={q.seq:#x} status={status:#x}")
        d.in_flight -= 1
        self.complete(d, chain["head"], chain["status_ipa"], status, len(data))

    def round(self) -> None:
        if not self.queue:
            return
        self.lines.append(f"blk-round n={self.rounds:#x}")
        self.rounds += 1
        chains = {q.seq: chain for q, _, chain in self.queue}
        for q in dispatch_order([q for q, _, _ in self.queue]):
            self.queue = [e for e in self.queue if e[0] is not q]
            self.dispatch(q, chains[q.seq])

    def guest_write(self, d: Device, ipa: int, data: bytes) -> None:
        if d.ram.inside(ipa & MASK, len(data)):
            d.ram.write(ipa & MASK, data)

    def setup(self, d: Device, how: int) -> None:
        used = RAM_BASE + RAM[d.slot] - 0x100 if how & 0x10 else RAM_BASE + 0x1000
        for off, value in ((0x70, 0), (0x70, 3), (0x24, 0), (0x20, 1 << 9 if how & 8 else 0),
                           (0x24, 1), (0x20, 1), (0x70, 0xB), (0x38, 1 << (how & 7)),
                           (0x80, RAM_BASE), (0x84, 0), (0x90, RAM_BASE + 0x800), (0x94, 0),
                           (0xA0, used & 0xFFFF_FFFF), (0xA4, used >> 32), (0x44, 1)):
            self.mmio(d, off, True, value)
        if not how & 0x20:
            self.mmio(d, 0x70, True, 0xF)

    def run(self, data: bytes) -> list[str]:
        i = 0
        while i < len(data):
            op, d = (data[i] & 0x7F) % len(ARGS), self.devs[data[i] >> 7]
            a = data[i + 1:i + 1 + ARGS[op]]
            if len(a) < ARGS[op]:
                break
            i += 1 + ARGS[op]
            if op in (0, 1):
                self.mmio(d, a[0] * 4, op == 0, int.from_bytes(a[1:], "little"))
            elif op == 2:
                if i + a[2] <= len(data):
                    self.guest_write(d, RAM_BASE + int.from_bytes(a[:2], "little"),
                                     data[i:i + a[2]])
                i += a[2]
            elif op == 3:
                offset, flags = int.from_bytes(a[1:3], "little"), a[7]
                addr = RAM_BASE + d.ram.size - offset if flags & 0x80 else RAM_BASE + offset
                self.guest_write(d, d.desc + 16 * a[0],
                                 struct.pack("<QIHH", addr, int.from_bytes(a[3:7], "little"),
                                             flags & 0x7F, a[8]))
            elif op == 4:
                raw = d.ram.read((d.avail + 2) & MASK, 2)
                if raw is not None and d.queue_num:
                    idx = struct.unpack("<H", raw)[0]
                    self.guest_write(d, d.avail + 4 + 2 * (idx % d.queue_num), bytes([a[0], 0]))
                    self.guest_write(d, d.avail + 2, struct.pack("<H", (idx + 1) & 0xFFFF))
            elif op == 5:
                self.mmio(d, 0x50, True, 0)
            elif op == 6:
                self.round()
            elif op == 7:
                self.ticks += 1
                if self.queue and self.ticks - self.queue[0][1] >= MAX_WAIT_TICKS:
                    self.round()
            elif op == 8:
                self.setup(d, a[0])
            else:  # the VM exits, a new one takes its place
                self.drop(d)
                self.devs[d.slot] = Device(d.slot, self.next_id)
                self.next_id += 1
        self.lines.append(f"disk crc=0x{zlib.crc32(self.disk):08x}")
        return self.lines


def check(data: bytes, lines: list[str]) -> str | None:
    """Where the C's trace (`lines`) departs from the model's, if it does."""
    return first_difference(Model().run(data), relative(lines))
