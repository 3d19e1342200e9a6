"""`make bench` is not part of `make test`, but its modules must keep up with
the harness: each imports and has its measure()."""

import importlib
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("name", sorted(p.stem for p in BENCH.glob("*_ratio.py")))
def test_every_benchmark_imports(name, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    module = importlib.import_module(name)
    assert callable(module.measure)
    sys.modules.pop(name, None)
