"""The zvm-hil pytest plugin (registered through the pytest11 entry point).

Options: --board (name or TOML path), --scenario (for `zvm_system`),
--artifacts DIR (a bundle for every run of a failing test, named in the
report), --icount MODE (or `deterministic`), --record (QEMU record/replay of
every run, kept in the bundle), --zvm-repeat N (every run made N times side
by side: a test fails if the runs' verdicts differ or, in counted time,
their traces; the first run is what the test sees).

Fixtures: ``zvm_board``, the board under test; ``zvm_run(scenario, ...)``,
which runs a scenario and returns the RunResult (its ``trace`` holds the
console lines and the parsed events); ``zvm_system``, the result of the
scenario the test's ``@pytest.mark.zvm_scenario("name")`` (or --scenario)
names; ``zvm_session(scenario)``, the hypervisor's shell on a live run
(docs/shell.md); ``zvm_vm_console(scenario, template)``, a VM's console
through it.

Markers: tests that name their scenario get capability markers derived from
it (``vms``, ``dynamic``, ``swap``, ``virtio_blk``), so ``-m swap`` selects
them. JUnit XML gets the board, the image hashes and the git commit as
properties of every test that ran the firmware, and each check a VM's
payload reported (kvm-unit-tests' report lines) as its own case."""

import re
from pathlib import Path

import pytest

from .boards import DEFAULT_BOARD, load_board
from .errors import HarnessError

CAPABILITIES = ("vms", "dynamic", "swap", "virtio_blk")
_RUNS = pytest.StashKey[list]()
_CASES = pytest.StashKey[list]()  # the runs whose payload reports are cases of their own


def pytest_addoption(parser):
    group = parser.getgroup("zvm-hil")
    group.addoption("--board", default=DEFAULT_BOARD,
                    help="board to run scenarios on: a name from boards/ or a TOML path")
    group.addoption("--scenario", default=None,
                    help="scenario for tests that use zvm_system without naming one")
    group.addoption("--artifacts", metavar="DIR", default=None,
                    help="write a bundle of every run of a failing test into DIR (default: "
                         "pytest's temporary directory), with its report.html")
    group.addoption("--icount", metavar="MODE", default=None,
                    help="QEMU -icount for every run ('deterministic': shift=0,sleep=off, "
                         "the counter at 1 GHz)")
    group.addoption("--record", action="store_true",
                    help="record every run with QEMU record/replay (kept in bundles)")
    group.addoption("--via", choices=("lava",), default=None,
                    help="lava: every run through LAVA's own dispatcher (lava-run, as root)")
    group.addoption("--zvm-repeat", metavar="N", type=int, default=1,
                    help="run every scenario N times and fail a test whose runs differ "
                         "(verdicts; traces too under --icount)")


def pytest_configure(config):
    config.addinivalue_line("markers", "qemu: runs the firmware on QEMU")
    config.addinivalue_line("markers", "zvm_scenario(name): the scenario zvm_system runs")
    for capability in CAPABILITIES:
        config.addinivalue_line("markers", f"{capability}: the scenario uses {capability}")
    if not hasattr(config, "workerinput"):  # not an xdist worker
        config.pluginmanager.register(PayloadReports(config), "zvm-hil-payload-reports")


def capabilities(scenario) -> set[str]:
    found = set()
    if scenario.vms:
        found.add("vms")
    if scenario.variant == "dynamic":
        found.add("dynamic")
    if scenario.zpool_size:
        found.add("swap")
    if any(vm.disk_sectors or vm.passthrough for vm in scenario.vms):
        found.add("virtio_blk")
    return found


def pytest_collection_modifyitems(config, items):
    from .scenarios import load_scenario

    for item in items:
        marker = item.get_closest_marker("zvm_scenario")
        if marker is None:
            continue
        try:
            scenario = load_scenario(marker.args[0])
        except HarnessError:
            continue  # reported when the test runs
        for capability in capabilities(scenario):
            item.add_marker(capability)


@pytest.fixture(scope="session")
def zvm_board(pytestconfig):
    try:
        return load_board(pytestconfig.getoption("board"))
    except HarnessError as e:
        raise pytest.UsageError(str(e)) from None


def skip_unless_reachable(via: str) -> None:
    """Skips the test when runs cannot go `via` here (lava-run not
    installed, not root), with that reason."""
    from .errors import ToolMissing
    from .lava import dispatcher

    try:
        dispatcher.check_can_run()
    except ToolMissing as e:
        pytest.skip(f"--via {via}: {e}")


@pytest.fixture
def zvm_run(request, zvm_board, tmp_path):
    """zvm_run(scenario, timeout=None, board=None, options=None, cases=True)
    -> RunResult. `scenario`: a name, a TOML path or a loaded Scenario;
    `cases`: each check its payload reports a JUnit case of its own (False
    for a test that expects the payload to fail)."""
    from .runner import RunOptions, run_scenario
    from .scenarios import load_scenario

    runs = request.node.stash.setdefault(_RUNS, [])
    with_cases = request.node.stash.setdefault(_CASES, [])
    icount = request.config.getoption("icount")  # "deterministic": DETERMINISTIC_ICOUNT
    record = request.config.getoption("record")
    repeats = request.config.getoption("zvm_repeat")
    via = request.config.getoption("via") or ""

    def run(scenario, *, timeout: float | None = None, board=None, options=None,
            cases: bool = True):
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        options = options or RunOptions(
            timeout=timeout, icount=icount,
            record=tmp_path / f"replay-{len(runs)}.bin" if record else None, via=via)
        if options.via:
            skip_unless_reachable(options.via)
        if repeats > 1 and not options.record:
            result = _repeated(board or zvm_board, scenario, options, repeats)
        else:
            result = run_scenario(board or zvm_board, scenario, options=options)
        runs.append(result)
        if cases:
            with_cases.append(result)
        _record_properties(request.node, result)
        return result

    return run


@pytest.fixture
def zvm_session(request, zvm_board):
    """zvm_session(scenario, options=None) -> Session: the hypervisor's shell
    on a run of `scenario` (hypervisor.shell = true), as a context manager
    whose end powers off and judges the run (session.result). Whatever
    happens, the run is stopped when the test ends."""
    from .session import Session

    runs, sessions = request.node.stash.setdefault(_RUNS, []), []

    def open_session(scenario, options=None) -> Session:
        if request.config.getoption("via"):
            pytest.skip("a session types at the console as it goes; through LAVA a job "
                        "types a script fixed beforehand (the scenario's [shell] script)")
        session = Session.open(zvm_board, scenario, options)
        session.on_result.append(runs.append)
        session.on_result.append(lambda result: _record_properties(request.node, result))
        sessions.append(session)
        return session

    yield open_session
    for session in sessions:
        session.close()


@pytest.fixture
def zvm_vm_console(zvm_session):
    """zvm_vm_console(scenario, template, ready=None) -> VmConsole: a session
    on `scenario`, a VM created from `template` and run, and its console,
    connected once the guest reported `ready` (an @guest event), if given.
    When the test ends the console is given back, the shell powers off and
    the run must pass every check."""
    opened = []

    def open_console(scenario, template: str, ready: str | None = None, timeout: float = 60.0):
        session = zvm_session(scenario)
        session.__enter__()
        session.run(f"new -t {template}")
        vm_id = int(session.trace.named("vm-create")[-1]["vm"])
        session.run(f"run -n {vm_id}")
        if ready:
            session.wait_for(ready, guest=f"{template}-{vm_id}", timeout=timeout)
        console = session.vm(vm_id)
        opened.append((session, console))
        return console

    yield open_console
    for session, console in opened:
        console.close()
        result = session.poweroff()
        assert result.passed, result.summary()


@pytest.fixture
def zvm_system(request, zvm_run):
    marker = request.node.get_closest_marker("zvm_scenario")
    name = marker.args[0] if marker else request.config.getoption("scenario")
    if name is None:
        raise pytest.UsageError("zvm_system needs @pytest.mark.zvm_scenario(...) or --scenario")
    return zvm_run(name)


def _repeated(board, scenario, options, count: int):
    from .repeat import repeat

    repeated = repeat(board, scenario, count, options)
    verdicts = {tuple(r.failures) for r in repeated.results}
    if len(verdicts) > 1 or (options.counted_time(board) and not repeated.identical):
        pytest.fail(f"the runs differ:\n{repeated.report()}")
    return repeated.results[0]


def _record_properties(node, result) -> None:
    from .bundle.files import sha256
    from .bundle.write import command_output

    props = dict(node.user_properties)
    if "board" not in props:
        node.user_properties.append(("board", result.board.name))
        node.user_properties.append(("git_commit", command_output(["git", "rev-parse", "HEAD"])))
    images = [result.image, *result.guest_images.values()]
    node.user_properties.append(("images", " ".join(f"{i.path.name}:{sha256(i.path)[:16]}"
                                                     for i in images)))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    runs = item.stash.get(_RUNS, [])
    if report.when == "call" and item.stash.get(_CASES, []):
        report.zvm_payload_reports = _payload_reports(item, item.stash[_CASES])
    if report.when != "call" or not report.failed or not runs:
        return
    from .bundle.write import write_bundle
    from .report import REPORT

    base = _artifacts_dir(item.config) / re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid)
    bundles = [write_bundle(base / f"{i}-{r.scenario.name}", r) for i, r in enumerate(runs)]
    report.sections.append(("zvm-hil artifacts", "\n".join(str(b) for b in bundles)))
    reports = [str(b / REPORT) for b in bundles]
    if hasattr(report.longrepr, "addsection"):  # in the failure's own text (JUnit's message)
        report.longrepr.addsection("zvm-hil report", "\n".join(reports))
    # JUnit takes a test's properties from its teardown's report: the item's.
    item.user_properties += [("report", path) for path in reports]


def _artifacts_dir(config) -> Path:
    """--artifacts, or else pytest's own temporary directory for the session
    (kept for the last few sessions, as pytest keeps tmp_path's)."""
    directory = config.getoption("artifacts")
    if directory:
        return Path(directory)
    return config._tmp_path_factory.getbasetemp() / "zvm-hil-artifacts"


def _payload_reports(item, runs) -> list[dict]:
    """Each check a VM's payload reported (a conformance suite's report
    line) as the arguments of a test report of its own,
    <test>::<vm>::<check>."""
    from .guests import kind

    path, line, _ = item.location
    out = []
    for i, result in enumerate(runs):
        for vm in result.plan.vms if result.plan else ():
            seen: dict[str, int] = {}
            for check in kind(vm.spec.guest).payload_reports(result.trace, vm):
                seen[check.name] = seen.get(check.name, 0) + 1
                name = check.name + (f" ({seen[check.name]})" if seen[check.name] > 1 else "")
                scope = vm.spec.name if len(runs) == 1 else f"run{i}-{vm.spec.name}"
                longrepr = {"passed": None, "failed": check.line,
                            "skipped": [path, line, f"Skipped: {check.line}"]}[check.outcome]
                out.append({"nodeid": f"{item.nodeid}::{scope}::{name}",
                            "location": [path, line, f"{scope}: {name}"], "keywords": {},
                            "outcome": check.outcome, "longrepr": longrepr, "when": "call"})
    return out


class PayloadReports:
    """Logs the payload reports a test's call report carries, each as its
    own test report: its own case in JUnit XML and in the terminal. Only
    where reports are gathered (not on an xdist worker, which checks that
    every report it logs is its current test's, and forwards the call
    report with what it carries)."""

    def __init__(self, config):
        self.config = config
        self.session = None

    def pytest_sessionstart(self, session):
        self.session = session

    def pytest_runtest_logreport(self, report):
        for fields in getattr(report, "zvm_payload_reports", ()):
            longrepr = fields["longrepr"]
            if self.session is not None:  # a case of its own: the terminal's progress counts it
                self.session.testscollected += 1
            self.config.hook.pytest_runtest_logreport(report=pytest.TestReport(
                **{**fields, "location": tuple(fields["location"]),
                   "longrepr": tuple(longrepr) if isinstance(longrepr, list) else longrepr}))
