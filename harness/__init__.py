"""zvm-hil: a hardware-in-the-loop test harness for an EL2 hypervisor on QEMU virt."""

__version__ = "0.1.0"
