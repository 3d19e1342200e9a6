"""Rebuilds, measured on a copy of the hypervisor's sources: a full build, a
no-op rebuild (nothing changed) and a one-file rebuild (one source edited),
side by side; and the test suite's wall time on 2 workers against 1."""

import dataclasses
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import build, paths


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _rebuilds(rounds: int) -> dict[str, float]:
    samples = {"full": [], "noop": [], "one_file": []}
    real = build.hypervisor_program()
    for i in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "src"
            shutil.copytree(real.source_dirs[0], src)
            program = dataclasses.replace(real, source_dirs=(src,), linker_script=src / "link.ld")
            builder = build.Builder(Path(tmp) / "out")
            samples["full"].append(_timed(lambda: builder.build(program)))
            samples["noop"].append(_timed(lambda: builder.build(program)))
            main_c = src / "main.c"
            main_c.write_text(main_c.read_text() + f"\n/* edit {i} */\n")
            samples["one_file"].append(_timed(lambda: builder.build(program)))
    return {k: statistics.median(v) for k, v in samples.items()}


def _suite(workers: str) -> float:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", workers]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=paths.REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the test suite failed under -n {workers}:\n{done.stdout[-2000:]}")
    return time.perf_counter() - start


def measure(rounds: int = 5) -> list[dict]:
    r = _rebuilds(max(rounds // 3, 3))
    serial, parallel = _suite("0"), _suite("2")
    return [
        {"name": "one-file rebuild / full build", "value": r["one_file"] / r["full"], "unit": "x",
         "target": 0.6, "note": f"full {r['full']:.2f} s"},
        {"name": "no-op rebuild / full build", "value": r["noop"] / r["full"], "unit": "x",
         "target": 0.05, "note": f"{r['noop'] * 1000:.1f} ms"},
        {"name": "test suite, pytest -n 2 / -n 0 (2 cores)", "value": parallel / serial,
         "unit": "x", "target": 0.8, "note": f"-n 0 {serial:.1f} s, -n 2 {parallel:.1f} s"},
    ]
