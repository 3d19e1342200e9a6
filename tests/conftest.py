import os
import subprocess
import sys
from pathlib import Path

import pytest

INTEGRATION_SCENARIOS = Path(__file__).parent / "integration" / "scenarios"


def processes_running(needle: str) -> list[str]:
    """Command lines in the process table that mention `needle`."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if needle in cmdline and int(pid) != os.getpid():
            found.append(f"{pid}: {cmdline}")
    return found


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def test_scenario():
    """The path of a scenario kept with the tests (tests/integration/scenarios/)."""
    return lambda name: str(INTEGRATION_SCENARIOS / f"{name}.toml")


def run_a_failing_test(tmp_path: Path, *pytest_args: str) -> subprocess.CompletedProcess:
    """A pytest session, in a process of its own, of one test that fails:
    its guest faults (guest-crash). For what the plugin leaves of a failure."""
    test_file = tmp_path / "test_fails.py"
    test_file.write_text(
        "def test_fails(zvm_run):\n"
        f"    result = zvm_run({str(INTEGRATION_SCENARIOS / 'guest-crash.toml')!r})\n"
        "    assert result.passed, result.summary()\n")
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(test_file), "--rootdir", str(tmp_path), *pytest_args],
                          capture_output=True, text=True, timeout=120)
