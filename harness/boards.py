"""Boards are data: one TOML file each under boards/, validated on load.

A ``qemu`` board says how to start qemu-system-aarch64; a ``serial`` board
is a physical board reached over a serial port (see
boards/example-serial-board.toml)."""

from dataclasses import dataclass
from pathlib import Path

from . import paths
from .errors import ConfigError
from .schema import Field, Table, in_range, load_toml, non_empty, one_of, resolve, validate

BOARD_TABLE = Table({
    "name": Field(str, check=non_empty, doc="the name users pass to --board"),
    "description": Field(str, required=False, default=""),
    "kind": Field(str, check=one_of("qemu", "serial"), doc="qemu or serial"),
})

QEMU_SPEC = {
    "board": BOARD_TABLE,
    "qemu": Table({
        "binary": Field(str, required=False, default="qemu-system-aarch64"),
        "machine": Field(str, required=False, default="virt"),
        "gic_version": Field(int, required=False, default=3, check=in_range(3, 3)),
        "virtualization": Field(bool, required=False, default=True),
        "cpu": Field(str, required=False, default="cortex-a57", check=non_empty),
        # Below 256 MiB QEMU silently drops -device loader blobs placed at
        # 0x48000000 and above (docs/memory-map.md).
        "memory_mib": Field(int, required=False, default=256, check=in_range(256, 4096, " MiB")),
        # QEMU's -smp; the hypervisor starts them all (docs/smp.md). Bundles
        # recorded before this field was named say `smp`.
        "cpus": Field(int, required=False, default=1, check=in_range(1, 8)),
        "smp": Field(int, required=False, default=0, check=in_range(0, 8),
                     doc="the old name of cpus"),
        "icount": Field(str, required=False, default="", doc="-icount value, e.g. shift=auto"),
        "extra_args": Field(list, required=False, default=[], item=str),
        "disk_options": Field(str, required=False, default="",
                              doc="more -drive options for the host disk, e.g. "
                                  "throttling.iops-total=100 for a slow one"),
    }),
    "console": Table({
        "transport": Field(str, required=False, default="stdio",
                           check=one_of("stdio", "pty", "tcp"),
                           doc="stdio (pexpect on QEMU's stdout), pty or tcp (pyserial, as a "
                               "physical board's serial port)"),
    }, required=False),
}

SERIAL_SPEC = {
    "board": BOARD_TABLE,
    "serial": Table({
        "port": Field(str, check=non_empty, doc="a tty path or a pyserial URL (socket://host:port)"),
        "baud": Field(int, required=False, default=115200, check=in_range(1200, 4000000)),
        "memory_mib": Field(int, required=False, default=256, check=in_range(256, 65536, " MiB"),
                            doc="RAM from 0x40000000, for the memory layout"),
        "cpus": Field(int, required=False, default=1, check=in_range(1, 8),
                      doc="the CPUs its DTB lists: the hypervisor starts each"),
    }),
    "power": Table({
        "on": Field(list, required=False, default=[], item=str, doc="command that powers the board on"),
        "off": Field(list, required=False, default=[], item=str),
    }, required=False),
    "load": Table({
        "command": Field(list, required=False, default=[], item=str,
                         doc="command that loads the images: {hypervisor} is the ELF, "
                             "{loaders} the blobs as FILE@ADDRESS,..."),
    }, required=False),
}


@dataclass(frozen=True)
class QemuBoard:
    path: Path
    name: str
    description: str
    binary: str
    machine: str
    gic_version: int
    virtualization: bool
    cpu: str
    memory_mib: int
    cpus: int
    icount: str
    extra_args: tuple[str, ...]
    console: str
    kind: str = "qemu"
    disk_options: str = ""  # appended to the host disk's -drive

    @property
    def machine_arg(self) -> str:
        virt = "on" if self.virtualization else "off"
        return f"{self.machine},gic-version={self.gic_version},virtualization={virt}"


@dataclass(frozen=True)
class SerialBoard:
    path: Path
    name: str
    description: str
    port: str
    baud: int
    power_on: tuple[str, ...]
    power_off: tuple[str, ...]
    load_command: tuple[str, ...]
    memory_mib: int = 256
    cpus: int = 1
    kind: str = "serial"


Board = QemuBoard | SerialBoard


def load_board(name_or_path: str) -> Board:
    path = resolve(name_or_path, paths.BOARDS, "board")
    data = load_toml(path)
    # [board] first: its kind says which spec the rest follows.
    head = {"board": data["board"]} if "board" in data else {}
    kind = validate(head, {"board": BOARD_TABLE}, path)["board"]["kind"]
    spec = SERIAL_SPEC if kind == "serial" else QEMU_SPEC
    v = validate(data, spec, path)
    b = v["board"]
    if kind == "serial":
        return SerialBoard(path, b["name"], b["description"], v["serial"]["port"],
                           v["serial"]["baud"], tuple(v["power"]["on"]),
                           tuple(v["power"]["off"]), tuple(v["load"]["command"]),
                           v["serial"]["memory_mib"], v["serial"]["cpus"])
    q = v["qemu"]
    return QemuBoard(path, b["name"], b["description"], q["binary"], q["machine"],
                     q["gic_version"], q["virtualization"], q["cpu"], q["memory_mib"],
                     q["smp"] or q["cpus"], q["icount"], tuple(q["extra_args"]),
                     v["console"]["transport"], disk_options=q["disk_options"])


def to_toml(b: Board) -> dict:
    """The board as a TOML document that loads back to the same board."""
    head = {"name": b.name, "description": b.description, "kind": b.kind}
    if isinstance(b, SerialBoard):
        return {"board": head, "serial": {"port": b.port, "baud": b.baud,
                                          "memory_mib": b.memory_mib, "cpus": b.cpus},
                "power": {"on": list(b.power_on), "off": list(b.power_off)},
                "load": {"command": list(b.load_command)}}
    return {"board": head,
            "qemu": {"binary": b.binary, "machine": b.machine, "gic_version": b.gic_version,
                     "virtualization": b.virtualization, "cpu": b.cpu,
                     "memory_mib": b.memory_mib, "cpus": b.cpus, "icount": b.icount,
                     "extra_args": list(b.extra_args), "disk_options": b.disk_options},
            "console": {"transport": b.console}}


def list_boards() -> list[Board]:
    return [load_board(str(p)) for p in sorted(paths.BOARDS.glob("*.toml"))]


DEFAULT_BOARD = "qemu-virt-gicv3"

__all__ = ["Board", "QemuBoard", "SerialBoard", "load_board", "list_boards", "ConfigError",
           "DEFAULT_BOARD"]
