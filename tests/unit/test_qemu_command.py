import dataclasses
from pathlib import Path

from harness.boards import load_board
from harness.qemu import qemu_command
from harness.runner import DETERMINISTIC_ICOUNT, RunOptions
from harness.scenarios import load_scenario


def test_command_from_board():
    board = load_board("qemu-virt-gicv3")
    cmd = qemu_command(board, Path("zvm.elf"), qmp_fd=5)
    assert cmd[0] == "qemu-system-aarch64"
    assert cmd[cmd.index("-M") + 1] == "virt,gic-version=3,virtualization=on"
    assert cmd[cmd.index("-cpu") + 1] == "cortex-a57"
    assert cmd[cmd.index("-m") + 1] == "256M"
    # Halted at start and kept after power-off: no console byte lost, memory readable.
    assert "-S" in cmd and "-no-shutdown" in cmd
    assert "socket,id=qmp,fd=5" in cmd
    assert cmd[cmd.index("-kernel") + 1] == "zvm.elf"
    assert "-icount" not in cmd


def test_loaders_icount_and_extra_args():
    board = dataclasses.replace(load_board("qemu-virt-gicv3"), icount="shift=auto",
                                extra_args=("-d", "guest_errors"))
    cmd = qemu_command(board, Path("zvm.elf"), qmp_fd=5,
                       loaders=((Path("desc.dtb"), 0x41000000),))
    assert "loader,file=desc.dtb,addr=0x41000000,force-raw=on" in cmd
    assert cmd[cmd.index("-icount") + 1] == "shift=auto"
    assert cmd[-2:] == ["-d", "guest_errors"]
    assert qemu_command(board, Path("x"), 5, icount="shift=0,sleep=off").count("-icount") == 1


def test_a_scenario_in_counted_time_always_runs_so_unless_told_otherwise():
    board = load_board("qemu-virt-gicv3")
    timers = load_scenario("timers-two-vms")
    assert timers.counted_time
    assert RunOptions().for_scenario(timers).icount == f"shift={timers.icount_shift},sleep=off"
    assert RunOptions(icount="shift=auto").for_scenario(timers).icount == "shift=auto"
    assert not RunOptions(icount="").for_scenario(timers).counted_time(board)
    other = load_scenario("lzo-swap")
    assert not other.counted_time
    assert RunOptions().for_scenario(other).icount is None
    assert RunOptions(icount=DETERMINISTIC_ICOUNT).for_scenario(other).icount == \
        f"shift={other.icount_shift},sleep=off"
