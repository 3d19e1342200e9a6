"""Records the bundles tests/unit/test_judge.py judges without QEMU: real
runs, passing and failing (a hypervisor panic, a guest fault, a timeout, and
deliberate firmware faults from mutants/firmware.toml), each trimmed to the
evidence the judge reads and packed as tests/unit/fixtures/<name>.tar.gz.

Run it again (`.venv/bin/python tools/record_judge_fixtures.py [NAME...]`)
when the trace protocol or the models change on purpose; the fixtures keep
their own images, so firmware changes alone do not call for it."""

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "tools"), str(REPO)]
import mutants  # noqa: E402  (tools/mutants.py: applies a mutant to a firmware copy)
from harness.bundle import files  # noqa: E402

FIXTURES = REPO / "tests" / "unit" / "fixtures"
TESTS = REPO / "tests" / "integration" / "scenarios"
# name: (scenario, mutant or None, keep DWARF (the verdict names file:line), extra run args);
# "hostile@ATTACK" is the hostile scenario with that attack. Runs are counted
# (--deterministic) unless their args say --icount: host time, where the
# register probe reads the EL2 registers and the tables after unmaps.
RECORDINGS = {
    "two-vms-static": ("two-vms-static", None, False, []),
    "lzo-swap": ("lzo-swap", None, False, []),
    "dynamic-oom": ("dynamic-oom", None, False, []),
    "blk-two-vms": (str(FIXTURES / "scenarios" / "blk-two-vms-zero-disk.toml"), None, False, []),
    "blk-ioprio-ignored": (str(FIXTURES / "scenarios" / "blk-two-vms-zero-disk.toml"),
                           "ioprio-ignored", False, []),
    "partition-one-page-long": ("two-vms-static", "partition-one-page-long", False, []),
    "guest-crash": (str(TESTS / "guest-crash.toml"), None, True, []),
    "el2-panic": (str(TESTS / "el2-panic.toml"), None, True, []),
    "el2-hang": (str(TESTS / "el2-hang.toml"), None, False, ["--timeout", "1"]),
    # Every event class of the trace protocol in a passing run (test_judge_sequences.py).
    "dynamic-blocks": ("dynamic-blocks", None, False, []),
    "lzo-swap-probed": ("lzo-swap", None, False, ["--icount", ""]),
    "blk-lifecycle": (str(FIXTURES / "scenarios" / "blk-lifecycle-zero-disk.toml"), None, False,
                      []),
    "no-leak": ("no-leak", None, False, []),
    "timer-ticks": ("timer-ticks", None, False, []),
    "shell-session": ("shell-session", None, False, []),
    "kut-psci": ("kut-psci", None, False, []),
    "linux-virtio-blk": (str(FIXTURES / "scenarios" / "linux-zero-disk.toml"), None, False, []),
    **{f"hostile-{attack}": (f"hostile@{attack}", None, False, [])
       for attack in ("oob-write", "uart-misaligned", "desc-loop", "notify-storm", "unknown-hvc",
                      "zpool-full")},
}
LINUX_HEADER = 64  # arm64 Image: text_offset and image_size are in it
# What the judge reads of a bundle (harness/bundle/files.py), and nothing else.
KEEP = (files.BOARD, files.SCENARIO, files.IMAGE_INDEX, files.IMAGES, files.SERIAL_LOG,
        files.TRACE, files.RESULT, files.RUN, files.MEMORY, files.DISK_AFTER, files.REGISTERS,
        files.STAGE2_SNAPSHOTS, files.COMMANDS)


def record(name: str, scenario: str, mutant: str | None, keep_dwarf: bool, args: list[str],
           work: Path) -> Path:
    env = dict(os.environ)
    if mutant:
        tree = work / "firmware_builds"
        shutil.copytree(mutants.FIRMWARE, tree)
        chosen = next(m for m in mutants.load() if m["name"] == mutant)
        if problem := mutants.apply(chosen, tree) or mutants.build(tree):
            raise SystemExit(f"{name}: mutant {mutant}: {problem}")
        env["ZVM_HIL_FIRMWARE"] = str(tree)
    if "@" in scenario:
        scenario = _hostile_scenario(scenario.partition("@")[2], work)
    bundle = work / "bundle"
    subprocess.run([sys.executable, "-m", "harness", "run", "--scenario", scenario,
                    *([] if "--icount" in args else ["--deterministic"]),
                    "--artifacts", str(bundle), *args],
                   cwd=REPO, env=env, capture_output=True, text=True)
    if not (bundle / files.RESULT).exists():
        raise SystemExit(f"{name}: the run left no bundle")
    trimmed = work / name
    trimmed.mkdir()
    for item in KEEP:
        source = bundle / item
        if source.is_dir():
            shutil.copytree(source, trimmed / item)
        elif source.exists():
            shutil.copy(source, trimmed / item)
    _trim_images(trimmed, keep_dwarf)
    return trimmed


def _hostile_scenario(attack: str, work: Path) -> str:
    import tomli_w

    from harness.guests.hostile import with_attack
    from harness.scenarios import load_scenario, to_toml

    path = work / f"hostile-{attack}.toml"
    path.write_bytes(tomli_w.dumps(to_toml(with_attack(load_scenario("hostile"), attack))).encode())
    return str(path)


def _trim_images(bundle: Path, keep_dwarf: bool) -> None:
    """Only the images the judge reads: ELF images without DWARF unless a
    verdict quotes file:line, and a Linux kernel as its header (its load
    size) followed by zeros; their index says their hashes as they are now."""
    index = json.loads((bundle / files.IMAGE_INDEX).read_text())
    for path in (bundle / files.IMAGES).iterdir():
        if path.name not in index:
            path.unlink()
        elif path.read_bytes()[:4] != b"\x7fELF":
            data = path.read_bytes()
            path.write_bytes(data[:LINUX_HEADER] + bytes(len(data) - LINUX_HEADER))
        elif not keep_dwarf:
            subprocess.run(["aarch64-linux-gnu-strip", "--strip-debug", str(path)], check=True)
    for name, info in index.items():
        info["sha256"] = files.sha256(bundle / files.IMAGES / name)
    (bundle / files.IMAGE_INDEX).write_text(json.dumps(index, indent=2) + "\n")


def main() -> int:
    names = sys.argv[1:] or list(RECORDINGS)
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"zvm-fixture-{name}-") as tmp:
            trimmed = record(name, *RECORDINGS[name], Path(tmp))
            out = FIXTURES / f"{name}.tar.gz"
            with tarfile.open(out, "w:gz") as tar:
                tar.add(trimmed, arcname=name, filter=_reproducible)
            result = json.loads((trimmed / files.RESULT).read_text())
            print(f"{out.relative_to(REPO)}: {out.stat().st_size >> 10} KiB, "
                  f"{'passed' if result['passed'] else 'failed'} "
                  f"({len(result['failures'])} failures)")
    return 0


def _reproducible(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    return info


if __name__ == "__main__":
    sys.exit(main())
