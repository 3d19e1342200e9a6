"""Targets: how a board is reached. Each board kind is one module here with
a `Target` class (a board's `kind = "qemu"` is targets/qemu.py); `--via lava`
runs a QEMU board through LAVA's dispatcher (targets/lava.py), and a LAVA
job's log is read through targets/lava_log.py. The run pipeline (harness/runner.py)
only uses the interface of targets/base.py."""

import importlib

from .base import Target


def target_for(board, options) -> Target:
    """The target for `board`: its kind names the module, unless the run
    goes through another way in (options.via)."""
    module = options.via or board.kind
    return importlib.import_module(f"{__name__}.{module}").Target(board, options)
