"""The Linux guest's pieces that need no QEMU: its workload script, its
scenario checks, the model of what the workload leaves on the disk."""

import hashlib
import re

import pytest

from harness.guests import linux_initramfs as linux
from harness.errors import ConfigError
from harness.guests import linux as linux_workload
from harness.models.patterns import xorshift32_bytes
from harness.scenarios import load_scenario
from harness.spec import BlkRequest

OUT, IN, FLUSH = 1, 0, 4


def test_init_runs_each_request_in_order_after_the_modules():
    script = linux.init_script((BlkRequest(OUT, 0, 8, 2, 0, 5), BlkRequest(FLUSH, 0, 0, 0, 0, 0),
                                BlkRequest(IN, 0, 8, 2, 0, 0)))
    insmods = [line for line in script.splitlines() if line.startswith("insmod")]
    assert [m.split("/")[-1].split(".ko")[0] for m in insmods] == list(linux.MODULES)
    steps = script[script.index("dd if=/data/0"):]
    assert steps.index("seek=8 count=2") < steps.index("sync;") < steps.index("skip=8 count=2")
    assert script.rstrip().endswith("poweroff -f")


def test_the_model_reads_back_what_the_workload_wrote():
    share = bytes(8 * 512)
    p = linux_workload.predict(share, (BlkRequest(OUT, 0, 2, 2, 0, 9), BlkRequest(IN, 0, 0, 4, 0, 0)))
    written = xorshift32_bytes(9, 1024)[0]
    assert p.share[1024:2048] == written
    assert p.md5[1] == hashlib.md5(bytes(1024) + written).hexdigest()


def test_newc_archive_entries_are_aligned_and_end_with_a_trailer():
    archive = linux.newc([("init", 0o100755, b"#!/bin/sh\n"), ("dir", 0o40755, b"")])
    assert archive.startswith(b"070701") and len(archive) % 4 == 0
    assert b"TRAILER!!!" in archive and archive.index(b"init\0") < archive.index(b"dir\0")


@pytest.mark.parametrize("request_toml, field", [
    ('{ type = "get-id" }', "requests[0].type"),
    ('{ type = "out", sector = 60, sectors = 8 }', "requests[0].sector"),
])
def test_a_linux_workload_outside_its_means_is_refused(tmp_path, request_toml, field):
    path = tmp_path / "s.toml"
    path.write_text(f"""
[scenario]
name = "s"
[hypervisor]
heap_mib = 160
[disk]
size_kib = 64
[[vm]]
name = "linux0"
guest = "linux"
memory_kib = 131072
disk_sectors = 64
requests = [{request_toml}]
""")
    with pytest.raises(ConfigError, match=re.escape(f"vm[0].{field}")):
        load_scenario(str(path))


def test_a_linux_request_beyond_the_bounce_buffer_is_expected_shorter_and_successful():
    """The device offers SEG_MAX and SIZE_MAX so that Linux's requests fit its
    bounce buffer: one that does not is expected at the buffer's length (and
    OK), so both its blk-req and its IOERR fail the run."""
    from types import SimpleNamespace

    from harness.guests.linux import KIND
    from harness.models.virtio_blk import MAX_BYTES, OK, VmDisk, execute, request_fields
    from harness.trace import parse_text

    trace = parse_text("@zvm blk-req vm=0x0 seq=0x0 type=0x0 ioprio=0x0 sector=0x0 len=0x20000\n")
    vm = SimpleNamespace(index=0)
    (request,) = KIND.disk_requests(None, vm, trace)
    assert request_fields(request)["len"] == MAX_BYTES
    assert execute(bytearray(1 << 20), VmDisk("linux0", 0, 2048, ()), request)[0] == OK
