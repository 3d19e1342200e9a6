"""Golden models: pure Python, no QEMU. Given a scenario they predict what
the firmware must report."""
