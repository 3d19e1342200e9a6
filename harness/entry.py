"""The `zvm-hil` program's entry point. A run is short-lived and makes little
garbage, so the collector is off from the first import: that saves ~15 ms of
a ~100 ms run, spent collecting what the imports allocate, during start-up
and again at exit. (Only the program does this; importing harness.cli, as
tests do, changes nothing.)"""

import gc

gc.disable()

import sys  # noqa: E402

from .cli import main  # noqa: E402


def console_main() -> None:
    code = main()
    gc.freeze()  # nothing left to collect: skip the final collection
    sys.exit(code)
