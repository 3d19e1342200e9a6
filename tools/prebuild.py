"""Builds what the shipped scenarios and the tests' own need (the hypervisor's
variants, the guests, kvm-unit-tests, the Zephyr applications, the host's
fuzz targets), once, before `make test`: its runs then never build beside a
guest that checks its timing in host time, and a cached tree makes this a
few seconds."""

import sys
from pathlib import Path

from harness.boards import DEFAULT_BOARD, load_board
from harness.runner import prepare
from harness.scenarios import list_scenarios, load_scenario

TEST_SCENARIOS = Path(__file__).resolve().parent.parent / "tests" / "integration" / "scenarios"


def main() -> int:
    board = load_board(DEFAULT_BOARD)
    scenarios = list_scenarios()
    scenarios += [load_scenario(str(path)) for path in sorted(TEST_SCENARIOS.glob("zephyr-*.toml"))]
    for scenario in scenarios:
        prepare(board, scenario)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import fuzz

    for target in fuzz.TARGETS:
        fuzz.build(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
