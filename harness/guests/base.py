"""What a guest kind is to the harness: its scenario fields, how its VM is
booted, what it does to memory and to the disk, and what it must report.
Each kind is one module of harness/guests/ with a `KIND` (a GuestKind); the
defaults here fit a guest built from firmware_builds/guests/<name>/ that
reads its parameters from its DTB's /chosen."""

from collections import Counter
from dataclasses import dataclass

from ..memory_map import GUEST_RAM_IPA
from ..models import memblock
from ..models.virtio_blk import FLUSH, GET_ID, ID_BYTES, MAX_BYTES, OUT, SECTOR, Request
from ..models.patterns import xorshift32_bytes
from ..spec import BlkRequest, VmSpec


@dataclass(frozen=True)
class PayloadReport:
    """One check a guest's payload reports on its console (a conformance
    suite's report line): its name, "passed", "failed" or "skipped", and
    the line as printed."""
    name: str
    outcome: str
    line: str


@dataclass(frozen=True)
class Boot:
    """A VM's boot images: the image as loaded, an initramfs (or b"") and
    the IPA the initramfs goes to."""
    image: object  # elf.FlatImage
    initrd: bytes = b""
    initrd_ipa: int = 0


class GuestKind:
    name = ""
    own_os = False  # an OS of its own: its own stage 1, GICv3 and PL011 (description: kind "os")
    events: dict[str, frozenset[str]] = {}  # the @guest events it reports (docs/trace-protocol.md)
    fields: dict = {}  # its own [[vm]] fields: name -> schema.Field

    # -- scenario --------------------------------------------------------
    def scenarios(self) -> dict:
        """Scenarios it brings as data (a suite's catalogue): name -> (the
        file, the scenario's TOML document)."""
        return {}

    def validate(self, spec: VmSpec, path, where: str, static: bool) -> None:
        """Raises ConfigError for what this guest cannot do with `spec`."""

    # -- boot ------------------------------------------------------------
    def build(self):
        """The guest's ELF (build.Image), or None when it is not ours to build."""
        from ..build import build_guest

        return build_guest(self.name)

    def ram_ipa(self, spec: VmSpec) -> int:
        """Where the VM's RAM starts in its IPA space: where the guests built
        here are linked."""
        return GUEST_RAM_IPA

    def boot(self, spec: VmSpec, image, ram_ipa: int) -> Boot:
        from ..elf import flatten

        return Boot(flatten((image or self.build()).path))

    def params(self, scenario, index: int, partitions: list) -> dict[str, int]:
        """Its DTB's /chosen parameters; `partitions`: each VM's PA (static mode)."""
        return scenario.vms[index].params

    def device_tree(self, spec: VmSpec, boot: Boot, params: dict[str, int],
                    dma_offset: int) -> str:
        from .. import dts

        return dts.guest_dts(spec, dma_offset, params)

    def stop_line(self, spec: VmSpec) -> tuple[str, int] | None:
        """(a console line's start, how many): the VM ends when it has
        printed that many such lines (a guest that never powers off)."""
        return None

    def warm_up(self, vm) -> None:
        """Work worth doing while QEMU starts (caches the checks will use)."""

    # -- memory ----------------------------------------------------------
    def memory_ops(self, plan, vm, trace) -> list[memblock.Op]:
        """The memory operations the guest causes, in order."""
        return [memblock.Op("create"), memblock.Op("exit")]

    def page_content(self, plan, vm):
        """page IPA -> the bytes the guest writes there, or None when the
        content does not matter to any check."""
        return None

    # -- virtio-blk -------------------------------------------------------
    def disk_requests(self, plan, vm, trace) -> tuple[Request, ...]:
        """What reaches the back-end, as the model takes it."""
        return tuple(blk_request(r) for r in vm.spec.requests)

    def batches(self, spec: VmSpec) -> list[list[int]] | None:
        """Its requests' indices in the batches it submits, each notified and
        then waited for; None when that depends on timing (the scheduler's
        rounds are then taken from the trace)."""
        return None

    def waits_for_last(self, spec: VmSpec) -> bool:
        """Whether it waits for its last batch (or exits with it queued)."""
        return True

    def disk_share(self, plan, vm) -> bytes | None:
        """What it leaves on its share of the disk when the model cannot
        follow its requests byte for byte; None when it can."""
        return None

    def request_report(self, vm, index: int, status: int, crc: int):
        """The expect.Expected report of its request `index`, if it reports each."""
        return None

    # -- vCPUs -----------------------------------------------------------
    def vcpu_power(self, spec: VmSpec) -> Counter | None:
        """How often it turns each of its vCPUs on and off (PSCI CPU_ON and
        CPU_OFF that succeed): ("on" or "off", index) -> count; None when
        that is not known beforehand. The guests built here turn none on."""
        return Counter()

    # -- expectations ----------------------------------------------------
    def expectations(self, plan, vm, prediction, trace) -> list:
        """expect.Expected events, given the memory model's prediction, in the
        order it reports them: each of its own reports, and the hypervisor's
        @zvm fault and blk-bad about it (REPORTED_FOR_A_VM), once each. A
        report whose values another check compares may be expected with no
        fields (its place in the order only)."""
        return []

    def console_failures(self, trace, vm) -> list[str]:
        """Failures its console shows by itself (a kernel's panic)."""
        return []

    def payload_reports(self, trace, vm) -> list[PayloadReport]:
        """The checks its payload reported, each its own case in pytest's
        JUnit XML."""
        return []

    def bundle_info(self) -> dict[str, str]:
        """What a bundle records of it beyond its image."""
        return {}


def data_length(r: BlkRequest) -> int:
    """What the guests' data descriptor holds (guests/blkio/main.c data_len)."""
    if r.base_type == FLUSH:
        return 0
    if r.base_type == GET_ID:
        return ID_BYTES
    return min(r.sectors * SECTOR, MAX_BYTES)


def out_data(r: BlkRequest) -> bytes:
    """An OUT's bytes: xorshift32 words from its seed (blkio's and Linux's /data files)."""
    return xorshift32_bytes(r.seed, data_length(r))[0]


def blk_request(r: BlkRequest) -> Request:
    return Request(r.type, r.ioprio, r.sector, data_length(r),
                   out_data(r) if r.base_type == OUT else None)
