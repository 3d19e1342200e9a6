"""make coverage's QEMU side (tools/line_coverage.py): a run with
ZVM_HIL_COVERAGE_DIR leaves QEMU's log of the hypervisor's translated code,
read back as source lines through the image's DWARF line table."""

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.qemu

TOOL = Path(__file__).resolve().parents[2] / "tools" / "line_coverage.py"
spec = importlib.util.spec_from_file_location("line_coverage", TOOL)
line_coverage = importlib.util.module_from_spec(spec)
spec.loader.exec_module(line_coverage)


def _function_lines(name: str, source: Path) -> set[int]:
    """The lines of C function `name`'s body in `source`."""
    lines = source.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{name}(")
                 or f" {name}(" in line and not line.startswith((" ", "\t")))
    end = next(i for i in range(start, len(lines)) if lines[i] == "}")
    return set(range(start + 1, end + 2))


def test_the_lines_a_run_executes_are_read_from_qemu_log(zvm_run, tmp_path, monkeypatch):
    monkeypatch.setenv("ZVM_HIL_COVERAGE_DIR", str(tmp_path))
    result = zvm_run("virtio-blk-one-vm")
    assert result.passed, result.summary()
    covered, code = line_coverage.qemu(tmp_path)
    hypervisor = line_coverage.HYPERVISOR
    # The back-end served requests; the shell, off in this scenario, never ran.
    assert covered["vblk.c"] & _function_lines("take_chain", hypervisor / "vblk.c")
    assert covered["iosched.c"] & _function_lines("iosched_round", hypervisor / "iosched.c")
    pause = _function_lines("cmd_pause", hypervisor / "shell.c")
    assert code["shell.c"] & pause and not covered["shell.c"] & pause
    assert all(covered[f] <= code[f] for f in covered)
