"""Boards are data: the shipped ones load, and every malformed file gives
one line naming the file and the field."""

import pytest

from harness.boards import QemuBoard, SerialBoard, list_boards, load_board
from harness.cli import main
from harness.errors import ConfigError

GOOD = """
[board]
name = "t"
kind = "qemu"
[qemu]
cpu = "cortex-a57"
memory_mib = 256
"""


def test_shipped_boards_load():
    boards = {b.name: b for b in list_boards()}
    assert isinstance(boards["qemu-virt-gicv3"], QemuBoard)
    assert boards["qemu-virt-gicv3"].machine_arg == "virt,gic-version=3,virtualization=on"
    assert isinstance(boards["example-serial-board"], SerialBoard)
    assert boards["example-serial-board"].baud == 115200


def test_defaults_fill_in(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text(GOOD)
    board = load_board(str(path))
    assert (board.cpus, board.binary, board.console) == (1, "qemu-system-aarch64", "stdio")


MALFORMED = [
    # (file text, the field the error must name, words the error must contain)
    ("", "board", "missing section"),
    ("[board]\nkind='qemu'\n[qemu]\n", "board.name", "missing"),
    (GOOD.replace('kind = "qemu"', 'kind = "fpga"'), "board.kind", "one of qemu, serial"),
    (GOOD + "colour = 1\n", "qemu.colour", "unknown field"),
    (GOOD.replace("memory_mib = 256", 'memory_mib = "256"'), "qemu.memory_mib", "an integer"),
    (GOOD.replace("memory_mib = 256", "memory_mib = 128"), "qemu.memory_mib", "256..4096"),
    (GOOD.replace("memory_mib = 256", "memory_mib = true"), "qemu.memory_mib", "an integer"),
    (GOOD + "extra_args = ['-s', 3]\n", "qemu.extra_args[1]", "a string"),
    (GOOD + "[console]\ntransport = 'carrier-pigeon'\n", "console.transport", "one of"),
    (GOOD + "[lab]\nx = 1\n", "lab", "unknown section"),
    ("[board\nname=", "syntax", "not valid TOML"),
    ("[board]\nname='s'\nkind='serial'\n[serial]\nbaud=9600\n", "serial.port", "missing"),
    ("[board]\nname='s'\nkind='serial'\n[serial]\nport='/dev/ttyS0'\nbaud=12\n",
     "serial.baud", "1200..4000000"),
]


@pytest.mark.parametrize("text,field,words", MALFORMED, ids=[m[1] for m in MALFORMED])
def test_malformed_board_names_file_and_field(tmp_path, text, field, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_board(str(path))
    message = str(err.value)
    assert err.value.field == field
    assert message.startswith(f"{path}: {field}: ")
    assert words in message
    assert "\n" not in message


def test_missing_board_file_and_unknown_name(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_board(str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match=r"no board named 'nope' \(known: .*qemu-virt-gicv3"):
        load_board("nope")


def test_cli_reports_a_bad_board_in_one_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace("memory_mib = 256", "memory_mib = 64"))
    assert main(["run", "--board", str(path), "--scenario", "hello"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "qemu.memory_mib" in err and "Traceback" not in err


def test_cli_lists_boards(capsys):
    assert main(["boards"]) == 0
    assert "qemu-virt-gicv3" in capsys.readouterr().out


def test_missing_qemu_binary_names_the_debian_package(tmp_path, capsys):
    path = tmp_path / "b.toml"
    path.write_text(GOOD + 'binary = "qemu-system-aarch64-nonexistent"\n')
    assert main(["run", "--board", str(path)]) == 2
    assert "qemu-system-aarch64-nonexistent not found on PATH" in capsys.readouterr().err


def test_missing_cross_compiler_names_the_debian_package(monkeypatch):
    from harness import toolchain
    from harness.errors import ToolMissing

    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ToolMissing, match=r"aarch64-linux-gnu-gcc not found on PATH "
                                          r"\(Debian package gcc-aarch64-linux-gnu"):
        toolchain.find_program(toolchain.CROSS_GCC)
