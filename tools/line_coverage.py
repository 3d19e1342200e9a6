"""make coverage: line coverage of the hypervisor's C, from the host (the
fuzz targets replaying their corpora, built with clang's source-based
coverage and read with llvm-cov) next to what the QEMU suite reaches
(the integration tests run with ZVM_HIL_COVERAGE_DIR: QEMU logs each block
of the hypervisor's code it translates, and the firmware's DWARF line
table names the lines). Prints a table per source file of
firmware_builds/hypervisor/ and writes it, with llvm-cov's HTML of the
host side, under build/coverage/. --host-only skips the QEMU suite."""

import argparse
import bisect
import os
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from elftools.elf.elffile import ELFFile

from harness.elf import line_rows

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import fuzz  # noqa: E402  (tools/fuzz.py: the targets and how they build)

HYPERVISOR = REPO / "firmware_builds" / "hypervisor"
OUT = REPO / "build" / "coverage"
Lines = dict[str, set[int]]  # covered lines by file name (hypervisor/<name>)


def host() -> tuple[Lines, Lines]:
    """(covered, instrumented) lines of the hypervisor's sources, from every
    fuzz target replaying its corpus."""
    out = OUT / "host"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    binaries = []
    for name in fuzz.TARGETS:
        binary = fuzz.build(name, extra_flags=("-fprofile-instr-generate", "-fcoverage-mapping"),
                            out=out)
        subprocess.run([str(binary), "-runs=0", str(fuzz.FUZZ / "corpus" / name)],
                       env={**os.environ, "LLVM_PROFILE_FILE": str(out / f"{name}.profraw")},
                       capture_output=True, check=True)
        binaries.append(str(binary))
    profile = out / "all.profdata"
    subprocess.run(["llvm-profdata", "merge", "-sparse", *map(str, out.glob("*.profraw")),
                    "-o", str(profile)], check=True)
    objects = [binaries[0], *(a for b in binaries[1:] for a in ("-object", b))]
    lcov = subprocess.run(["llvm-cov", "export", "-format=lcov", f"-instr-profile={profile}",
                           *objects], capture_output=True, text=True, check=True).stdout
    subprocess.run(["llvm-cov", "show", "-format=html", f"-output-dir={out / 'html'}",
                    f"-instr-profile={profile}", *objects, str(HYPERVISOR)],
                   capture_output=True, check=True)
    covered: Lines = defaultdict(set)
    instrumented: Lines = defaultdict(set)
    source = None
    for line in lcov.splitlines():
        if line.startswith("SF:"):
            path = Path(line[3:]).resolve()
            source = path.name if path.parent == HYPERVISOR else None
        elif line.startswith("DA:") and source:
            number, count = map(int, line[3:].split(",")[:2])
            instrumented[source].add(number)
            if count:
                covered[source].add(number)
    return covered, instrumented


class LineTable:
    """An ELF's DWARF line table: the hypervisor source line of an address."""

    def __init__(self, elf_path: Path):
        self.starts: list[int] = []
        self.lines: list[tuple[str, int] | None] = []
        self.code: Lines = defaultdict(set)
        with open(elf_path, "rb") as f:
            elf = ELFFile(f)
            self.segments = [(s["p_vaddr"], s.data()) for s in elf.iter_segments()
                             if s["p_type"] == "PT_LOAD" and s["p_flags"] & 1]
            rows = [(address, (name, line) if not end and (HYPERVISOR / name).is_file() else None)
                    for address, name, line, end in line_rows(elf)]
        for address, where in sorted(rows, key=lambda r: r[0]):
            self.starts.append(address)
            self.lines.append(where)
            if where:
                self.code[where[0]].add(where[1])

    def line_of(self, address: int) -> tuple[str, int] | None:
        i = bisect.bisect_right(self.starts, address) - 1
        return self.lines[i] if i >= 0 else None

    def is_own(self, address: int, word: int) -> bool:
        """Whether the instruction `word` at `address` is the ELF's own (a
        guest's code may run at the same addresses)."""
        for start, data in self.segments:
            if start <= address < start + len(data) - 3:
                return int.from_bytes(data[address - start:address - start + 4], "little") == word
        return False


INSN = re.compile(r"^0x([0-9a-f]+):\s+([0-9a-f]{8})\s", re.MULTILINE)


def qemu(logs: Path) -> tuple[Lines, Lines]:
    """(covered, code) lines: what the QEMU suite's runs executed of the
    hypervisor, from their logs, and every line the images have code for."""
    covered: Lines = defaultdict(set)
    code: Lines = defaultdict(set)
    tables: dict[str, LineTable] = {}
    for log in sorted(logs.glob("*.log")):
        image = log.name.split(".")[0]
        elf = next((REPO / "build" / "images" / image).glob("*.elf"), None)
        if elf is None:
            continue
        table = tables.get(image) or tables.setdefault(image, LineTable(elf))
        for m in INSN.finditer(log.read_text(errors="replace")):
            address, word = int(m.group(1), 16), int(m.group(2), 16)
            if table.is_own(address, word) and (where := table.line_of(address)):
                covered[where[0]].add(where[1])
    for table in tables.values():
        for name, lines in table.code.items():
            code[name] |= lines
    return covered, code


def run_qemu_suite(logs: Path) -> None:
    shutil.rmtree(logs, ignore_errors=True)
    logs.mkdir(parents=True)
    subprocess.run([sys.executable, "-m", "pytest", "-m", "qemu", "-q", "-n", "2",
                    "-p", "no:cacheprovider", "tests/integration"], cwd=REPO,
                   env={**os.environ, "ZVM_HIL_COVERAGE_DIR": str(logs)})


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


def table(host_lines: tuple[Lines, Lines], qemu_lines: tuple[Lines, Lines] | None) -> str:
    (h_cov, h_all), (q_cov, q_all) = host_lines, qemu_lines or ({}, {})
    rows = [f"{'file':22} {'host':>7} {'of':>5} {'QEMU':>7} {'of':>5} {'host only':>9}"]
    totals = [0, 0, 0, 0, 0]
    for source in sorted(p.name for p in HYPERVISOR.glob("*.c")):
        hc, ha = h_cov.get(source, set()), h_all.get(source, set())
        qc, qa = q_cov.get(source, set()), q_all.get(source, set())
        only = len(hc & qa - qc)  # code lines of the firmware only the host reaches
        values = [len(hc), len(ha), len(qc), len(qa), only]
        totals = [t + v for t, v in zip(totals, values)]
        rows.append(f"{source:22} {percent(len(hc), len(ha)):>7} {len(ha):5} "
                    f"{percent(len(qc), len(qa)):>7} {len(qa):5} {only:9}")
    rows.append(f"{'all':22} {percent(totals[0], totals[1]):>7} {totals[1]:5} "
                f"{percent(totals[2], totals[3]):>7} {totals[3]:5} {totals[4]:9}")
    return "\n".join(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host-only", action="store_true", help="no QEMU suite")
    ap.add_argument("--logs", type=Path, help="QEMU logs of an earlier run, instead of running")
    args = ap.parse_args()
    host_lines = host()
    qemu_lines = None
    if not args.host_only:
        logs = args.logs or OUT / "qemu-logs"
        if not args.logs:
            run_qemu_suite(logs)
        qemu_lines = qemu(logs)
    report = table(host_lines, qemu_lines)
    (OUT / "report.txt").write_text(report + "\n")
    print(report)
    print(f"host: lines covered of those clang instruments; QEMU: of those the firmware's "
          f"DWARF names; host only: firmware lines the host reaches and QEMU does not\n"
          f"{OUT / 'report.txt'}, {OUT / 'host' / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
