import os
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


@pytest.fixture
def test_scenario():
    """The path of a scenario kept with the tests (tests/integration/scenarios/)."""
    return lambda name: str(INTEGRATION_SCENARIOS / f"{name}.toml")
