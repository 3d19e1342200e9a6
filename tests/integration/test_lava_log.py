"""A LAVA job log maps back onto the golden checks: a real run's console,
as LAVA logs it, passes; the same log with one CRC changed does not."""

import re

import pytest

from harness.lava.check import check_log
from harness.lava.log import lava_log
from harness.boards import load_board
from harness.scenarios import load_scenario

pytestmark = pytest.mark.qemu


def test_a_lava_log_is_checked_like_a_console(zvm_run, tmp_path):
    result = zvm_run("two-vms-static")
    assert result.passed
    lines = [line for _, line in result.trace.lines]
    log = tmp_path / "job.yaml"
    log.write_text(lava_log(lines))
    board, scenario = load_board("qemu-virt-gicv3"), load_scenario("two-vms-static")
    assert check_log(board, scenario, log).passed

    bad = [re.sub(r"crc=0x[0-9a-f]+", "crc=0xdeadbeef", line)
           if "[vm0] @guest region idx=0x3 " in line else line for line in lines]
    log.write_text(lava_log(bad))
    checked = check_log(board, scenario, log)
    assert any(f.startswith("[vm0] @guest region idx=0x3 crc: expected") and
               f.endswith("got 0xdeadbeef") for f in checked.failures), checked.failures
