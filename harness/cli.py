"""zvm-hil: a hardware-in-the-loop test harness for an EL2 hypervisor on QEMU virt.

Errors a user can fix are one line on stderr and a set-up exit code (2),
never a traceback."""

import argparse
import os
import signal
import sys

from . import __version__
from .errors import EXIT_INTERRUPTED, EXIT_SETUP, HarnessError


def cmd_boards(args) -> int:
    from .boards import list_boards

    for b in list_boards():
        print(f"{b.name:24} {b.kind:7} {b.description}")
    return 0


def cmd_scenarios(args) -> int:
    from .scenarios import list_scenarios

    for s in list_scenarios():
        print(f"{s.name:24} {s.variant:8} {s.summary}")
    return 0


def cmd_build(args) -> int:
    from .build import build_hypervisor
    from .scenarios import load_scenario

    variant, defines = args.variant, tuple(args.define)
    if args.scenario:
        scenario = load_scenario(args.scenario)
        variant, defines = args.variant or scenario.variant, scenario.defines + defines
    image = build_hypervisor(variant or "static", defines)
    print(f"{image.path} build=0x{image.build_id:016x}")
    return 0


def cmd_describe(args) -> int:
    from pathlib import Path

    from .boards import load_board
    from .plan import plan
    from .scenarios import load_scenario

    described = plan(load_board(args.board), load_scenario(args.scenario))
    Path(args.out).write_bytes(described.dtb)
    if args.dts:
        Path(args.dts).write_text(described.dts)
    for vm in described.vms:
        backing = (f"partition predicted at PA {vm.partition_pa:#x}" if vm.partition_pa is not None
                   else f"on demand in {described.block_size >> 10} KiB blocks")
        print(f"{vm.spec.name}: vmid {vm.vmid}, {vm.spec.memory >> 10} KiB at IPA "
              f"0x40000000, {backing}")
    return 0


def cmd_run(args) -> int:
    from pathlib import Path

    from .boards import load_board
    from .runner import DETERMINISTIC_ICOUNT, RunOptions, run_scenario
    from .scenarios import load_scenario

    board, scenario = load_board(args.board), load_scenario(args.scenario)
    gdb_port = None
    if args.gdb:
        from .gdb import gdb_command
        from .qemu import free_port

        gdb_port = free_port()
        print(gdb_command(board, scenario, gdb_port), flush=True)
    icount = DETERMINISTIC_ICOUNT if args.deterministic else args.icount
    options = RunOptions(timeout=args.timeout, icount=icount, gdb_port=gdb_port,
                         record=Path(args.record) if args.record else None,
                         replay=Path(args.replay) if args.replay else None,
                         via=args.via or "")
    if args.repeat > 1:
        return _run_repeated(board, scenario, args, options)
    result = run_scenario(board, scenario, options=options)
    if args.verbose:
        for _, line in result.trace.lines:
            print(line)
    print(result.summary())
    if args.artifacts:
        from .bundle.write import write_bundle  # tomli_w and friends: only for bundles
        from .report import REPORT, TIMELINE

        out = write_bundle(args.artifacts, result)
        print(f"artifacts: {out}\nreport: {out / REPORT} (timeline: {out / TIMELINE})")
    return result.exit_code


def _run_repeated(board, scenario, args, options) -> int:
    """Every run's bundle into --artifacts DIR/run-<n>; without it, the
    failing runs' into a fresh directory the report names."""
    import tempfile
    from pathlib import Path

    from .bundle.write import write_bundle
    from .repeat import repeat
    from .report import REPORT

    if args.gdb or args.record or args.replay:
        raise HarnessError("--repeat runs the scenario afresh each time: not with --gdb, "
                           "--record or --replay")
    repeated = repeat(board, scenario, args.repeat, options)
    print(repeated.report())
    kept = range(1, args.repeat + 1) if args.artifacts else repeated.failing_runs()
    if kept:
        out = Path(args.artifacts or tempfile.mkdtemp(prefix="zvm-hil-repeat-"))
        for n in kept:
            write_bundle(out / f"run-{n}", repeated.results[n - 1])
        print(f"artifacts: {out} (run-{', run-'.join(map(str, kept))}), "
              f"each with its {REPORT}")
    consistent = repeated.identical or not args.deterministic
    return 0 if repeated.passed == args.repeat and consistent else 1


def cmd_repro(args) -> int:
    from .repro import repro

    outcome = repro(args.bundle)
    for name in outcome.changed_images:
        print(f"note: {name} differs from the hash the bundle recorded")
    print(outcome.message)
    if args.verbose:
        print(outcome.result.summary())
    return 0 if outcome.reproduced else 1


def cmd_judge(args) -> int:
    from .repro import rejudge

    now, recorded = rejudge(args.bundle)
    print("PASS" if not now else "FAIL")
    for failure in now:
        print(f"  - {failure}")
    if now != recorded:
        print("note: the bundle recorded another verdict:")
        for failure in recorded or ["(passed)"]:
            print(f"  - {failure}")
    return 0 if not now else 1


def cmd_report(args) -> int:
    from .report import TIMELINE, write_report

    report = write_report(args.bundle)
    print(f"report: {report}\ntimeline: {report.parent / TIMELINE} (open it in "
          "https://ui.perfetto.dev: Open trace file)")
    return 0


def cmd_lava_job(args) -> int:
    from pathlib import Path

    from .boards import load_board
    from .lava.job import validate, write_job
    from .scenarios import load_scenario

    out = Path(args.out)
    job = write_job(load_board(args.board), load_scenario(args.scenario), out,
                    args.url or out.resolve().as_uri())
    problems = validate(job)
    for problem in problems:
        print(f"{job}: LAVA schema: {problem}", file=sys.stderr)
    print(job)
    return 1 if problems else 0


def cmd_lava_check(args) -> int:
    from pathlib import Path

    from .boards import load_board
    from .lava.check import check_log
    from .scenarios import load_scenario

    result = check_log(load_board(args.board), load_scenario(args.scenario), Path(args.log))
    print(result.summary())
    return result.exit_code


def parser() -> argparse.ArgumentParser:
    from .boards import DEFAULT_BOARD
    from .scenarios import DEFAULT_SCENARIO

    p = argparse.ArgumentParser(prog="zvm-hil", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"zvm-hil {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("boards", help="list the boards in boards/").set_defaults(func=cmd_boards)
    sub.add_parser("scenarios", help="list the scenarios in firmware_builds/scenarios/") \
        .set_defaults(func=cmd_scenarios)

    b = sub.add_parser("build", help="build the hypervisor (a no-op when nothing changed)")
    b.add_argument("--variant", choices=("static", "dynamic"),
                   help="CONFIG_VM_DYNAMIC_MEMORY off (static) or on (dynamic)")
    b.add_argument("--define", action="append", default=[], metavar="NAME[=VALUE]",
                   help="an extra C macro (repeatable)")
    b.add_argument("--scenario", help="build what this scenario needs")
    b.set_defaults(func=cmd_build)

    d = sub.add_parser("describe", help="write the hypervisor's description of a scenario")
    d.add_argument("--scenario", default=DEFAULT_SCENARIO, help="a scenario name or a TOML path")
    d.add_argument("--board", default=DEFAULT_BOARD, help="a board name or a TOML path")
    d.add_argument("--out", required=True, metavar="DTB", help="where to write the DTB")
    d.add_argument("--dts", metavar="DTS", help="also write a readable copy")
    d.set_defaults(func=cmd_describe)

    r = sub.add_parser("run", help="run a scenario on a board and check it")
    r.add_argument("--board", default=DEFAULT_BOARD, help="a board name or a TOML path")
    r.add_argument("--scenario", default=DEFAULT_SCENARIO, help="a scenario name or a TOML path")
    r.add_argument("--timeout", type=float, help="seconds (default: the scenario's timeout_s)")
    r.add_argument("--artifacts", metavar="DIR", help="write a bundle of the run into DIR")
    r.add_argument("-v", "--verbose", action="store_true", help="print the whole console")
    r.add_argument("--icount", metavar="MODE", help="QEMU -icount, e.g. shift=0,sleep=off")
    r.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="run it N times (side by side, up to the cores) and say what differed; "
                        "with --deterministic the traces must be identical")
    r.add_argument("--deterministic", action="store_true",
                   help="-icount shift=0,sleep=off: the same trace event for event every run")
    r.add_argument("--record", metavar="FILE", help="record the run (QEMU record/replay)")
    r.add_argument("--replay", metavar="FILE", help="replay a recorded run")
    r.add_argument("--gdb", action="store_true",
                   help="start halted with QEMU's gdb stub; prints the gdb command to attach")
    r.add_argument("--via", choices=("lava",),
                   help="lava: run the board's job in LAVA's own dispatcher (lava-run, as root)")
    r.set_defaults(func=cmd_run)

    lj = sub.add_parser("lava-job", help="write a LAVA job for a scenario, validated")
    lj.add_argument("--board", default=DEFAULT_BOARD)
    lj.add_argument("--scenario", default=DEFAULT_SCENARIO)
    lj.add_argument("--out", required=True, metavar="DIR", help="job.yaml and its images")
    lj.add_argument("--url", help="where the images will be served (default: file://DIR)")
    lj.set_defaults(func=cmd_lava_job)

    lc = sub.add_parser("lava-check", help="check a LAVA job log against the models")
    lc.add_argument("--board", default=DEFAULT_BOARD)
    lc.add_argument("--scenario", default=DEFAULT_SCENARIO)
    lc.add_argument("log", metavar="LOG", help="the job's log (LAVA's YAML)")
    lc.set_defaults(func=cmd_lava_check)

    p_repro = sub.add_parser("repro", help="run a bundle again and compare with its trace")
    p_repro.add_argument("bundle", metavar="DIR")
    p_repro.add_argument("-v", "--verbose", action="store_true")
    p_repro.set_defaults(func=cmd_repro)

    p_judge = sub.add_parser("judge", help="give a bundle's verdict again from its evidence "
                                           "(no QEMU)")
    p_judge.add_argument("bundle", metavar="DIR")
    p_judge.set_defaults(func=cmd_judge)

    p_report = sub.add_parser("report", help="write a bundle's report.html and timeline.json "
                                             "(Perfetto's trace-event JSON) again")
    p_report.add_argument("bundle", metavar="DIR")
    p_report.set_defaults(func=cmd_report)
    return p


def _terminate(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)  # tear down QEMU as for Ctrl-C
    try:
        return args.func(args)
    except HarnessError as e:
        print(f"zvm-hil: error: {e}", file=sys.stderr)
        return EXIT_SETUP
    except KeyboardInterrupt:
        print("zvm-hil: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `zvm-hil ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nor at exit
        return 0
