"""The zvm-hil pytest plugin (registered through the pytest11 entry point).

Options: --board (name or TOML path), --artifacts DIR (a bundle for every
run of a failing test). Fixtures: ``zvm_board``, the board under test, and
``zvm_run``, which runs a scenario on it and returns the RunResult."""

import re
from pathlib import Path

import pytest

from .boards import DEFAULT_BOARD, load_board
from .errors import HarnessError


def pytest_addoption(parser):
    group = parser.getgroup("zvm-hil")
    group.addoption("--board", default=DEFAULT_BOARD,
                    help="board to run scenarios on: a name from boards/ or a TOML path")
    group.addoption("--artifacts", metavar="DIR", default=None,
                    help="write a bundle of every run of a failing test into DIR")


def pytest_configure(config):
    config.addinivalue_line("markers", "qemu: runs the firmware on QEMU")


@pytest.fixture(scope="session")
def zvm_board(pytestconfig):
    try:
        return load_board(pytestconfig.getoption("board"))
    except HarnessError as e:
        raise pytest.UsageError(str(e)) from None


@pytest.fixture
def zvm_run(request, zvm_board):
    """zvm_run(scenario, timeout=None, board=None) -> RunResult. The runs
    are kept on the test item so that a failure can bundle them."""
    from .runner import run_scenario
    from .scenarios import load_scenario

    runs = request.node.stash.setdefault(_RUNS, [])

    def run(scenario, *, timeout: float | None = None, board=None):
        """`scenario`: a name, a TOML path, or a loaded Scenario."""
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        result = run_scenario(board or zvm_board, scenario, timeout=timeout)
        runs.append(result)
        return result

    return run


_RUNS = pytest.StashKey[list]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    directory = item.config.getoption("artifacts")
    runs = item.stash.get(_RUNS, [])
    if report.when != "call" or not report.failed or not directory or not runs:
        return
    from .artifacts import write_bundle

    base = Path(directory) / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)
    bundles = [write_bundle(base / f"{i}-{r.scenario.name}", r) for i, r in enumerate(runs)]
    report.sections.append(("zvm-hil artifacts", "\n".join(str(b) for b in bundles)))
