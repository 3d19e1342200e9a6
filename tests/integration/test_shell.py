"""The hypervisor's shell (docs/shell.md), driven from pytest: VMs created,
run, paused and deleted at the prompt, every command's effect predicted
from what was typed (models/shell.py) and the run judged as any other."""

import pytest

from harness.session import ShellError

pytestmark = pytest.mark.qemu


def skip_without_host_disk(board) -> None:
    """A Linux VM's workload needs the host disk only a QEMU board attaches
    (not the stand-in serial board)."""
    if board.kind != "qemu":
        pytest.skip("the Linux VM needs the host disk only a QEMU board attaches")


def disk_md5(linux, skip: int, count: int) -> str:
    """The MD5 of `count` sectors of the Linux VM's disk from sector `skip`,
    read with dd in its shell (which must succeed)."""
    text, status = linux.shell(f"dd if=/dev/vda bs=512 skip={skip} count={count} "
                               "2>/dev/null | md5sum")
    assert status == 0, text
    return text.split()[0]


def test_vms_created_run_deleted_and_created_again(zvm_session):
    with zvm_session("shell-session") as shell:
        assert shell.run("new -t mem") == ["vm 0 created"]
        shell.run("run -n 0")
        shell.wait_for("vm-exit", vm=0)
        assert shell.run("info")[1].split()[:4] == ["0", "mem-0", "memstress", "exited"]
        shell.run("delete -n 0")
        assert shell.run("new -t mem") == ["vm 1 created"]  # ids are never used again
        shell.run("run -n 1")
        shell.wait_for("memstress-done", guest="mem-1")
    assert shell.result.passed, shell.result.summary()
    # The second VM's blocks are the first one's, given back at its delete.
    allocs = [(e["vm"], e["pa"]) for e in shell.result.trace.named("block-alloc")]
    assert {pa for vm, pa in allocs if vm == 1} <= {pa for vm, pa in allocs if vm == 0}


@pytest.mark.parametrize("command, error", [
    ("bogus", "unknown command bogus"),
    ("new", "usage: new -t TEMPLATE"),
    ("new -t nothing", "no VM offered as nothing"),
    ("run -n 5", "no VM 5"),
    ("run -n zero", "no VM zero"),
    ("pause -n 0", "VM is created"),
    ("delete", "usage: delete -n ID"),
    ("info -n 0", "usage: info"),
])
def test_bad_input_gets_an_error_line_and_changes_nothing(zvm_session, command, error):
    with zvm_session("shell-session") as shell:
        shell.run("new -t mem")
        with pytest.raises(ShellError) as refused:
            shell.run(command)
        assert str(refused.value) == f"{command}: {error}"
        assert shell.run("info")[1].split()[:4] == ["0", "mem-0", "memstress", "created"]
    assert shell.result.passed, shell.result.summary()


def test_a_vm_deleted_while_it_runs_gives_back_exactly_what_it_had(zvm_session):
    """Deleted mid-fill: the model, told only how far it got (its heap
    events before the delete), predicts the blocks it frees; the next VM
    gets them."""
    with zvm_session("shell-session") as shell:
        shell.run("new -t slow")
        shell.run("run -n 0")
        shell.wait_for("memstress-start", guest="slow-0")
        shell.run("delete -n 0")
        shell.run("new -t mem")
        shell.run("run -n 1")
        shell.wait_for("memstress-done", guest="mem-1")
    assert shell.result.passed, shell.result.summary()
    assert shell.result.trace.named("vm-exit", vm=0)[0]["reason"] == "delete"


def test_a_paused_vm_does_nothing_until_it_runs_again(zvm_session):
    """Paused mid-fill, for as long as the test sleeps: none of its events
    until `run` (the judge's check_paused), then it finishes as modelled."""
    import time

    with zvm_session("shell-session") as shell:
        shell.run("new -t slow")
        shell.run("run -n 0")
        shell.wait_for("memstress-start", guest="slow-0")
        shell.run("pause -n 0")
        time.sleep(0.3)
        assert shell.run("info")[1].split()[3] == "paused"
        shell.run("run -n 0")
        shell.wait_for("memstress-done", guest="slow-0")
    assert shell.result.passed, shell.result.summary()


def test_a_linux_vm_created_from_the_shell_answers_on_its_console(zvm_session, zvm_board):
    """Linux, created and run from the shell beside a memstress VM, runs its
    workload and then a busybox shell, reached with `connect`: each answer
    checked against what the models say of its memory and disk."""
    import hashlib

    skip_without_host_disk(zvm_board)
    from harness.models.virtio_blk import initial_disk

    with zvm_session("shell-linux") as shell:
        shell.run("new -t linux")
        shell.run("new -t mem")
        shell.run("run -n 0")
        shell.run("run -n 1")
        shell.wait_for("linux-shell", guest="linux-0", timeout=60)
        with shell.vm(0) as linux:
            meminfo, status = linux.shell("cat /proc/meminfo")
            assert status == 0 and meminfo.startswith("MemTotal:")
            untouched = initial_disk(512 << 10, 0x22)[64 * 512:72 * 512]  # past the OUT
            assert disk_md5(linux, 64, 8) == hashlib.md5(untouched).hexdigest()
            assert linux.shell("false")[1] == 1
            # A line of its own that would read as the hypervisor's is not one.
            forged, _ = linux.shell("echo '@zvm poweroff reason=done'")
            assert forged == " @zvm poweroff reason=done"
        shell.wait_for("memstress-done", guest="mem-1")
    assert shell.result.passed, shell.result.summary()


def test_new_with_no_memory_left_is_refused_and_changes_nothing(zvm_run):
    """Static mode, a heap that holds one partition: the second `new` is
    refused (the heap model says so before the hypervisor does), and once
    the first VM is deleted the next gets its partition. The scenario's own
    script, as `zvm-hil run` types it."""
    result = zvm_run("shell-static")
    assert result.passed, result.summary()
    assert [e["reason"] for e in result.trace.named("shell-error")] == ["no-memory"]
    first, third = (result.trace.named("block-alloc", vm=vm)[0]["pa"] for vm in (0, 2))
    assert first == third


def test_the_interactive_session(zvm_session, zvm_board):
    """The whole of it in one session, every golden check on: an empty
    hypervisor; a Linux VM and two memstress VMs created and run; one
    paused and resumed; Linux deleted while its reads keep the disk busy,
    and created again; commands run in the new Linux's shell."""
    import hashlib
    import time

    from harness.guests.base import out_data
    from harness.scenarios import load_scenario

    skip_without_host_disk(zvm_board)
    with zvm_session("shell-linux") as shell:
        for template in ("linux", "mem", "slow"):
            shell.run(f"new -t {template}")
        for vm in range(3):
            shell.run(f"run -n {vm}")
        shell.wait_for("memstress-start", guest="slow-2")
        shell.run("pause -n 2")
        shell.wait_for("linux-shell", guest="linux-0", timeout=60)
        with shell.vm(0) as linux:  # reads that go on after the console is given back
            linux.sendline("while :; do dd if=/dev/vda of=/dev/null bs=4096 count=64 "
                           "iflag=direct 2>/dev/null; done &")
            linux.expect(r"/ # ")
        time.sleep(0.2)
        shell.run("delete -n 0")
        with pytest.raises(ShellError, match="no VM 0"):
            shell.run("run -n 0")
        shell.run("run -n 2")
        shell.run("new -t linux")
        shell.run("run -n 3")
        shell.wait_for("linux-shell", guest="linux-3", timeout=60)
        with shell.vm(3) as linux:
            meminfo, status = linux.shell("grep MemTotal /proc/meminfo")
            assert status == 0 and meminfo.startswith("MemTotal:")
            # What its workload (the first's too) wrote there, as blkio would.
            written = out_data(load_scenario("shell-linux").vms[0].requests[0])
            assert disk_md5(linux, 0, 64) == hashlib.md5(written).hexdigest()
        shell.wait_for("memstress-done", guest="mem-1")
        shell.wait_for("memstress-done", guest="slow-2")
    assert shell.result.passed, shell.result.summary()
    assert shell.result.trace.named("vm-exit", vm=0)[0]["reason"] == "delete"


def test_a_vm_console_from_its_fixture(zvm_vm_console, zvm_board):
    """zvm_vm_console: a VM made from a template, run, and its console."""
    skip_without_host_disk(zvm_board)
    linux = zvm_vm_console("shell-linux", "linux", ready="linux-shell")
    linux.sendline("uname -m")
    linux.expect(r"aarch64")
    assert linux.shell("test -b /dev/vda") == ("", 0)
