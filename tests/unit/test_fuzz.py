"""The fuzz targets (fuzz/targets/, tools/fuzz.py) in make test: each built
under ASan and UBSan from the firmware's own sources, its corpus replayed
(every regression input a finding once fixed) and two seconds of fuzzing
that leave the corpus as it is."""

import importlib.util
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "fuzz.py"
spec = importlib.util.spec_from_file_location("fuzz_tool", TOOL)
fuzz = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fuzz)


@pytest.mark.parametrize("target", sorted(fuzz.TARGETS))
def test_the_corpus_replays_without_a_finding(target):
    result = fuzz.run(target, 0, replay=True, scratch=True)
    assert result["ok"], result["finding"]
    assert result["runs"] >= result["corpus"] > 0


@pytest.mark.parametrize("target", sorted(fuzz.TARGETS))
def test_a_few_seconds_of_fuzzing_find_nothing_and_keep_the_corpus(target):
    corpus = fuzz.FUZZ / "corpus" / target
    before = sorted(p.name for p in corpus.iterdir())
    result = fuzz.run(target, 2, replay=False, scratch=True)
    assert result["ok"], result["finding"]
    assert result["exec_per_sec"] > 1000
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_every_fixed_finding_is_a_regression_input():
    corpus = fuzz.FUZZ / "corpus" / "description"
    assert {p.name for p in corpus.glob("regression-*")} >= {
        "regression-totalsize-past-region", "regression-dtb-size-wraps",
        "regression-ram-past-ipa-space"}
