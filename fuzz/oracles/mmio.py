"""The mmio target's inputs (fuzz/targets/mmio.c) run through a register
model of the emulated GICv3 distributor and redistributors and of the
PL011, written from what the GICv3 and PL011 specifications say of each
register and from what hypervisor/vgic.h, vgic_mmio.c's and vuart.h's
comments say the emulation does (SPIs 32..95 and each vCPU's SGIs and PPIs,
all Group 1; an SPI pending on the vCPU its IROUTER names, vCPU 0 if none;
pending enabled interrupts listed most urgent first, the lowest INTID of
equal priority; the active state only in a list register; ICENABLER takes
back what is listed and not yet taken; the PL011's transmit FIFO never
full, its receive FIFO of 32, a line at a time). Where the specification
leaves an access UNPREDICTABLE (a byte of a bit-per-interrupt register, a
byte of IROUTER), the model follows the emulation's rule: the access acts
on the word (the doubleword's half) its offset falls in. Every read, every
acknowledge and EOI, the line length after each character written: the
model's must be the C's, line for line."""

from oracle_lines import first_difference

NR_IRQS, PENDING, ACTIVE = 96, 1, 2
IRQ_UART, IRQ_VTIMER = 33, 27
SIZES = {0: 0x10000, 2: 0x1000}  # GICD, UART; GICR: 0x20000 a vCPU
BANKS = {0x100: "isenabler", 0x180: "icenabler", 0x200: "ispendr", 0x280: "icpendr",
         0x300: "isactiver", 0x380: "icactiver"}
PL011_REGS = {0x24: "ibrd", 0x28: "fbrd", 0x2c: "lcr_h", 0x30: "cr", 0x34: "ifls", 0x38: "imsc",
              0x48: "dmacr"}
PL011_IDS = (0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1)
LINE_MAX, RX_FIFO, STOP_AFTER, STOP_COUNT = 160, 32, "ok", 2


class Cpu:
    """A vCPU's redistributor (its SGIs and PPIs), the interrupts pending on
    it and its list registers as last saved: [state, intid, priority]."""

    def __init__(self, index: int, nr_lrs: int):
        self.index = index
        self.enabled: set[int] = set()
        self.priority = [0xa0] * 32
        self.config = [0, 0]
        self.pending: set[int] = set()
        self.lrs: list[list[int]] = [[0, 0, 0] for _ in range(nr_lrs)]
        self.sleep = True  # GICR_WAKER.ProcessorSleep, as at reset

    def listed(self, intid: int) -> bool:
        return any(state and i == intid for state, i, _ in self.lrs)


class Model:
    def __init__(self, config: int):
        self.nr, self.nr_lrs = 1 + (config & 3), 1 + ((config >> 2) & 3)
        self.cpus = [Cpu(i, self.nr_lrs) for i in range(self.nr)]
        self.enabled: set[int] = set()  # SPIs
        self.priority = {i: 0xa0 for i in range(32, NR_IRQS)}
        self.config = {w: 0 for w in range(2, NR_IRQS // 16)}
        self.router = {i: 0 for i in range(32, NR_IRQS)}
        self.ctlr = 0
        self.live = [[0, 0, 0] for _ in range(self.nr_lrs)]  # the running vCPU's, in the CPU
        self.cur = 0
        self.timer = [0] * self.nr
        self.uart = dict.fromkeys(PL011_REGS.values(), 0)
        self.line = ""
        self.rx: list[int] = []
        self.stop_lines = 0
        self.done = False
        self.lines: list[str] = []

    # Interrupt state (vgic.h).
    def target(self, intid: int) -> Cpu:
        route = self.router[intid]
        aff0 = route & 0xff
        if route & (1 << 31) or route & 0xff00ffff00 or aff0 >= self.nr:
            return self.cpus[0]
        return self.cpus[aff0]

    def is_enabled(self, cpu: Cpu, intid: int) -> bool:
        return intid in (cpu.enabled if intid < 32 else self.enabled)

    def prio(self, cpu: Cpu, intid: int) -> int:
        return cpu.priority[intid] if intid < 32 else self.priority[intid]

    def raise_(self, cpu: Cpu, intid: int) -> None:
        if intid < NR_IRQS:
            (cpu if intid < 32 else self.target(intid)).pending.add(intid)

    def set_level(self, cpu: Cpu, intid: int, high: bool) -> None:
        cpu = cpu if intid < 32 else self.target(intid)
        if high and not cpu.listed(intid):
            self.raise_(cpu, intid)
        elif not high:
            cpu.pending.discard(intid)

    def save(self, cpu: Cpu) -> None:
        cpu.lrs = [list(lr) for lr in self.live]

    def load(self, cpu: Cpu) -> None:
        """Each free list register takes the most urgent pending enabled
        interrupt not listed yet."""
        for lr in cpu.lrs:
            if lr[0]:
                continue
            lr[:] = [0, 0, 0]
            ready = [(self.prio(cpu, i), i) for i in cpu.pending
                     if self.is_enabled(cpu, i) and not cpu.listed(i)]
            if ready:
                p, intid = min(ready)
                cpu.pending.discard(intid)
                lr[:] = [PENDING, intid, p]
        self.live = [list(lr) for lr in cpu.lrs]

    def irq_save(self, cpu: Cpu) -> None:
        """What the hypervisor does of a trapped vCPU: its list registers
        saved, the UART's and its timer's lines sampled."""
        self.save(cpu)
        self.set_level(cpu, IRQ_UART, self.uart_level())
        self.set_level(cpu, IRQ_VTIMER, bool(self.timer[cpu.index]))

    def deliver(self) -> None:
        self.irq_save(self.cpus[self.cur])
        self.load(self.cpus[self.cur])

    def switch(self, vcpu: int) -> None:
        if vcpu != self.cur:
            self.irq_save(self.cpus[self.cur])
            self.cur = vcpu
            self.set_level(self.cpus[vcpu], IRQ_VTIMER, bool(self.timer[vcpu]))
            self.load(self.cpus[vcpu])

    def set_active(self, cpu: Cpu, intid: int) -> None:
        """Listed: made active there; else into a free list register, with
        its pending state, or lost when none is free."""
        for lr in cpu.lrs:
            if lr[0] and lr[1] == intid:
                lr[0] |= ACTIVE
                return
        for lr in cpu.lrs:
            if not lr[0]:
                state = ACTIVE | (PENDING if intid in cpu.pending else 0)
                cpu.pending.discard(intid)
                lr[:] = [state, intid, self.prio(cpu, intid)]
                return

    # The distributor's and redistributors' registers.
    def bits(self, offset: int, write: bool, value: int, cpus: list[Cpu], words: range) -> int:
        """A bit-per-interrupt register (offset from its frame's 0), for a
        bank of `cpus` whose interrupts are `words`; None if none."""
        for base in (0x80, *BANKS):
            if base <= offset < base + NR_IRQS // 8:
                break
        else:
            return None
        w = (offset - base) // 4
        if w not in words:
            return 0
        if base == 0x80:  # IGROUPR: Group 1
            return 0xffffffff
        ints = [32 * w + b for b in range(32) if value >> b & 1]
        en = cpus[0].enabled if w == 0 else self.enabled
        name = BANKS[base]
        if write and name == "isenabler":
            en.update(ints)
        elif write and name == "icenabler":
            en.difference_update(ints)
            for cpu in cpus:
                for lr in cpu.lrs:
                    if lr[0] == PENDING and not self.is_enabled(cpu, lr[1]):
                        self.raise_(cpu, lr[1])
                        lr[:] = [0, 0, 0]
        elif write and name == "ispendr":
            for i in ints:
                self.raise_(cpus[0], i)
        elif write and name == "icpendr":
            for cpu in cpus:
                cpu.pending.difference_update(ints)
                for lr in cpu.lrs:
                    if lr[0] and lr[1] in ints:
                        lr[0] &= ~PENDING
        elif write and name == "isactiver":
            for i in ints:
                self.set_active(cpus[0] if i < 32 else self.target(i), i)
        elif write and name == "icactiver":
            for cpu in cpus:
                for lr in cpu.lrs:
                    if lr[0] and lr[1] in ints:
                        lr[0] &= ~ACTIVE
        if name in ("isenabler", "icenabler"):
            return sum(1 << (i - 32 * w) for i in en if i // 32 == w)
        state = PENDING if name in ("ispendr", "icpendr") else ACTIVE
        out = 0
        for cpu in cpus:
            listed = {i for s, i, _ in cpu.lrs if s & state}
            for i in listed | (cpu.pending if state == PENDING else set()):
                if i // 32 == w:
                    out |= 1 << (i - 32 * w)
        return out

    def priorities(self, offset, size, write, value, table, first, last) -> int:
        """IPRIORITYR (a byte an interrupt, any width) and ICFGR (words)."""
        if 0x400 + first <= offset and offset + size <= 0x400 + last:
            out = 0
            for n in range(size):
                if write:
                    table[offset - 0x400 + n] = value >> 8 * n & 0xff
                out |= table[offset - 0x400 + n] << 8 * n
            return out
        return None

    def icfgr(self, offset, size, write, value, config, first_word, last_word) -> int:
        if 0xc00 + 4 * first_word <= offset and offset + 4 <= 0xc00 + 4 * last_word and size == 4:
            w = (offset - 0xc00) // 4
            if write:
                config[w] = value
            return config[w]
        return None

    def gicd(self, offset: int, size: int, write: bool, value: int) -> int:
        for out in (self.bits(offset, write, value, self.cpus, range(1, NR_IRQS // 32)),
                    self.priorities(offset, size, write, value, self.priority, 32, NR_IRQS),
                    self.icfgr(offset, size, write, value, self.config, 2, NR_IRQS // 16)):
            if out is not None:
                return out
        if 0x6000 + 8 * 32 <= offset < 0x6000 + 8 * NR_IRQS:  # IROUTER, by word or whole
            intid, shift = (offset - 0x6000) // 8, 32 if offset & 4 else 0
            if write:
                self.router[intid] = value if size == 8 else (
                    self.router[intid] & ~(0xffffffff << shift) | (value & 0xffffffff) << shift)
            return self.router[intid] if size == 8 else self.router[intid] >> shift & 0xffffffff
        if offset == 0:  # CTLR: EnableGrp0, EnableGrp1, ARE
            if write:
                self.ctlr = value & 0x13
            return self.ctlr
        # TYPER: 10 ID bits, CPUNumber, ITLinesNumber for 96; IIDR: Arm; PIDR2: v3
        return {4: 9 << 19 | (self.nr - 1) << 5 | (NR_IRQS // 32 - 1), 8: 0x43b,
                0xffe8: 0x3b}.get(offset, 0)

    def gicr(self, offset: int, size: int, write: bool, value: int) -> int:
        frame, offset = divmod(offset, 0x20000)
        cpu = self.cpus[frame]
        if offset >= 0x10000:  # SGI_base: the distributor's layout, INTIDs 0..31
            offset -= 0x10000
            if 0x80 <= offset < 0x400:
                return self.bits(offset, write, value, [cpu], range(0, 1)) or 0
            for out in (self.priorities(offset, size, write, value, cpu.priority, 0, 32),
                        self.icfgr(offset, size, write, value, cpu.config, 0, 2)):
                if out is not None:
                    return out
            return 0
        if offset == 0x14:  # WAKER: ProcessorSleep, ChildrenAsleep follows it
            if write:
                cpu.sleep = bool(value & 2)
            return 6 if cpu.sleep else 0
        # TYPER: Processor_Number, Last, Aff0 = the vCPU's (VMPIDR)
        typer = frame << 8 | (0x10 if frame == self.nr - 1 else 0) | (
            frame << 32 if size == 8 else 0)
        return {8: typer, 0xc: frame, 4: 0x43b, 0xffe8: 0x3b}.get(offset, 0)

    # The PL011.
    def raw(self) -> int:
        return 0x20 | (0x50 if self.rx else 0)  # TX always; RX and RT while it holds any

    def uart_level(self) -> bool:
        return bool(self.raw() & self.uart["imsc"])

    def pl011(self, offset: int, write: bool, value: int) -> int:
        if offset == 0 and write:
            self.transmit(value & 0xff)
            self.lines.append(f"tx {len(self.line)}")
            return 0
        if offset == 0:
            if not self.rx:
                return 0
            if len(self.rx) == RX_FIFO:
                self.lines.append("drained")
            return self.rx.pop(0)
        if offset in PL011_REGS:
            if write:
                self.uart[PL011_REGS[offset]] = value & 0xffff
            return self.uart[PL011_REGS[offset]]
        if write:
            return 0
        if offset == 0x18:  # FR: TXFE, RXFE, RXFF
            return 0x80 | (0 if self.rx else 0x10) | (0x40 if len(self.rx) == RX_FIFO else 0)
        if offset in (0x3c, 0x40):  # RIS, MIS
            return self.raw() & (0xffff if offset == 0x3c else self.uart["imsc"])
        if 0xfe0 <= offset < 0x1000 and offset % 4 == 0:
            return PL011_IDS[(offset - 0xfe0) // 4]
        return 0

    def transmit(self, c: int) -> None:
        if c == 0x0a:
            if self.line.startswith(STOP_AFTER):
                self.stop_lines += 1
                self.done = self.done or self.stop_lines >= STOP_COUNT
            self.line = ""
        elif c != 0x0d:
            self.line += chr(c) if 0x20 <= c < 0x7f else "?"
            if len(self.line) == LINE_MAX:
                self.line = ""

    def receive(self, c: int) -> None:
        if len(self.rx) < RX_FIFO:
            self.rx.append(c)
            self.set_level(self.target(IRQ_UART), IRQ_UART, self.uart_level())

    # The guest and the hypervisor.
    def access(self, vcpu: int, region: int, offset: int, size: int, write: bool,
               value: int) -> None:
        self.switch(vcpu)
        value &= (1 << 8 * size) - 1
        if region == 2:
            out = self.pl011(offset, write, value)
        else:
            self.irq_save(self.cpus[self.cur])
            out = (self.gicd if region == 0 else self.gicr)(offset, size, write, value)
            self.load(self.cpus[self.cur])
        if not write:
            self.lines.append(f"r {region} {offset:x} {size} {out & (1 << 8 * size) - 1:x}")
        self.deliver()

    def send_sgi(self, sender: int, targets: int, flags: int) -> None:
        intid = flags & 0xf
        if flags & 0x10:  # IRM: every other vCPU
            for cpu in self.cpus:
                if cpu.index != sender:
                    self.raise_(cpu, intid)
        elif not flags & 0x20:  # Aff1 set: no vCPU has that affinity
            for cpu in self.cpus:
                if targets >> cpu.index & 1:
                    self.raise_(cpu, intid)

    def cpu_interface(self, eoi: bool) -> None:
        """ICC_IAR1_EL1 takes the most urgent pending list register; an EOI
        ends the most urgent active one (the lowest of equal priority)."""
        found = [(lr[2], n) for n, lr in enumerate(self.live)
                 if (lr[0] & ACTIVE if eoi else lr[0] == PENDING)]
        if not found:
            self.lines.append(f"{'eoi' if eoi else 'ack'} 1023")
            return
        lr = self.live[min(found)[1]]
        lr[0] = lr[0] & ~ACTIVE if eoi else ACTIVE
        self.lines.append(f"{'eoi' if eoi else 'ack'} {lr[1]}")


def predict(data: bytes) -> list[str]:
    if not data:
        return []
    m, i = Model(data[0]), 1
    while i + 2 <= len(data) and not m.done:
        op, a = data[i] % 8, data[i + 1]
        i += 2
        if op < 4:
            region, size, write = (a >> 5 & 3) % 3, 1 << (a >> 2 & 3), bool(a & 0x10)
            if i + 3 + (size if write else 0) > len(data):
                break
            offset = int.from_bytes(data[i:i + 3], "little")
            value = int.from_bytes(data[i + 3:i + 3 + size], "little") if write else 0
            i += 3 + (size if write else 0)
            offset %= m.nr * 0x20000 if region == 1 else SIZES[region]
            m.access((a & 3) % m.nr, region, offset, size, write, value)
        elif op == 4:
            intid = 32 + a % (NR_IRQS - 32)
            m.raise_(m.target(intid), intid)
            m.deliver()
        elif op == 5:
            if i + 2 > len(data):
                break
            m.switch(a % m.nr)
            m.send_sgi(m.cur, data[i], data[i + 1])
            i += 2
            m.deliver()
        elif op == 6:
            if i + 1 > len(data):
                break
            arg = data[i]
            i += 1
            if a & 3 == 0:
                m.receive(arg)
            elif a & 3 == 1:
                m.timer[arg % m.nr] = arg >> 2 & 1
            elif a & 3 == 3:
                m.switch(arg % m.nr)
            m.deliver()
        else:
            m.cpu_interface(bool(a & 1))
    if m.done:
        m.lines.append("done")
    return m.lines


def check(data: bytes, lines: list[str]) -> str | None:
    """Where the C's record (`lines`) departs from the model's, if it does."""
    return first_difference(predict(data), lines)
