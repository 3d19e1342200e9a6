"""The shell (docs/shell.md): a command's round trip (`info` typed, to its
prompt) against a command to QEMU's own monitor on the same run (QMP
query-status), and `new` + `run` of a Linux VM to its /init against the same
kernel and initramfs started by QEMU directly (linux_ratio's). Medians,
taken side by side."""

import statistics
import time

from harness.boards import DEFAULT_BOARD, load_board
from harness.scenarios import load_scenario
from harness.session import Session
from linux_ratio import at, guest_lines_on_qemu


def _round_trips(board, rounds: int) -> tuple[float, float]:
    shell_s, qmp_s = [], []
    with Session.open(board, "shell-session") as shell:
        qemu = shell.live.target.qemu
        for _ in range(rounds):
            started = time.perf_counter()
            shell.run("info")
            shell_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            qemu.qmp("query-status")
            qmp_s.append(time.perf_counter() - started)
    return statistics.median(shell_s), statistics.median(qmp_s)


def _new_and_run(board) -> float:
    """From `new -t linux` typed to its /init's first line."""
    with Session.open(board, "shell-linux") as shell:
        started = time.perf_counter()
        shell.run("new -t linux")
        shell.run("run -n 0")
        shell.wait_for("linux-start", guest="linux-0", timeout=120)
        took = time.perf_counter() - started
        shell.wait_for("linux-shell", guest="linux-0", timeout=120)
    return took


def measure(rounds: int = 15) -> list[dict]:
    board = load_board(DEFAULT_BOARD)
    shell_s, qmp_s = _round_trips(board, rounds)
    hyp, bare = [], []
    shell_linux = load_scenario("shell-linux")  # its first VM is the Linux template
    for _ in range(max(rounds // 5, 3)):
        hyp.append(_new_and_run(board))
        bare.append(at(guest_lines_on_qemu(board, shell_linux), "linux-start"))
    return [{"name": "shell command round trip / QEMU's monitor (QMP)",
             "value": shell_s / qmp_s, "unit": "x", "target": None,
             "note": f"`info` {shell_s * 1000:.2f} ms, query-status {qmp_s * 1000:.2f} ms"},
            {"name": "new + run to Linux's /init / QEMU booting it directly",
             "value": statistics.median(hyp) / statistics.median(bare), "unit": "x",
             "target": None, "note": f"{statistics.median(hyp):.2f} s against "
                                     f"{statistics.median(bare):.2f} s"}]
