"""Bundles: a run's evidence in a directory, written by write.py, read back
by read.py (for `zvm-hil repro` and for judging a run again), with the file
names both use in files.py."""
