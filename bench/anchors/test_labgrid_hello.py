"""The hello boot-and-check with labgrid (anchor for bench/anchor_ratio.py)."""


def test_hello(target):
    qemu = target.get_driver("QEMUDriver")
    target.activate(qemu)
    qemu.on()
    qemu.expect("@zvm lzo-selftest", timeout=20)
    qemu.expect("@zvm poweroff", timeout=20)
    qemu.off()
