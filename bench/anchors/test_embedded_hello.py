"""The hello boot-and-check with pytest-embedded-qemu (anchor for bench/anchor_ratio.py)."""


def test_hello(dut):
    dut.expect("@zvm lzo-selftest", timeout=20)
    dut.expect("@zvm poweroff", timeout=20)
