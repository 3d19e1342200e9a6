"""`python -m harness`: the zvm-hil program."""

from .entry import console_main

console_main()
