"""kvm-unit-tests' catalogue (firmware_builds/kvm-unit-tests.toml): every
test run as a VM under the hypervisor against the same `.flat`, arguments and
environment on QEMU's virt board directly (one CPU, as the VMs have), each
whole run timed, interleaved, medians of the summed catalogue."""

import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from harness.boards import DEFAULT_BOARD, load_board
from harness.runner import run_scenario
from harness.scenarios import catalogued_scenarios, load_scenario
from harness.third_party import build_kvm_unit_tests


def _under_hypervisor(board, scenario) -> float:
    started = time.perf_counter()
    result = run_scenario(board, scenario)
    if not result.passed:
        raise SystemExit(f"{scenario.name} failed: {result.summary()}")
    return time.perf_counter() - started


def _on_qemu(board, vm, flats: Path, tmp: Path) -> float:
    env = tmp / "env"
    env.write_text("".join(f"{line}\n" for line in vm.options["env"]) or "\n")
    cmd = [board.binary, "-M", "virt,gic-version=3", "-cpu", board.cpu,
           "-m", f"{vm.memory >> 20}M", "-smp", str(vm.vcpus), "-nodefaults", "-display", "none", "-serial", "stdio",
           "-kernel", str(flats / f"{vm.options['test']}.flat"),
           "-append", vm.options["args"], "-initrd", str(env)]
    started = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    if b"EXIT: STATUS=" not in done.stdout:
        raise SystemExit(f"{vm.options['test']} on QEMU printed no status: {done.stdout[-300:]}")
    return time.perf_counter() - started


def measure(rounds: int = 15) -> list[dict]:
    board = load_board(DEFAULT_BOARD)
    scenarios = [load_scenario(name) for name in catalogued_scenarios()
                 if name.startswith("kut-")]
    flats = build_kvm_unit_tests()
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(max(rounds // 5, 3)):
            hyp = sum(_under_hypervisor(board, s) for s in scenarios)
            bare = sum(_on_qemu(board, s.vms[0], flats, Path(tmp)) for s in scenarios)
            ratios.append(hyp / bare)
    return [{"name": "kvm-unit-tests catalogue, under the hypervisor / QEMU directly",
             "value": statistics.median(ratios), "unit": "x", "target": None,
             "note": f"{len(scenarios)} tests, whole runs summed"}]
