"""The fuzz targets (fuzz/targets/, tools/fuzz.py) in make test: each built
under ASan and UBSan from the firmware's own sources, its corpus replayed
(every regression input a finding once fixed), two seconds of fuzzing that
leave the corpus as it is, and the C checked against the Python models on
every corpus input (fuzz/oracles/), a check shown to catch the mutants of
mutants/firmware.toml that name a target."""

import importlib.util
import shutil
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "tools"


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(f"{name}_tool", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz, mutants = _tool("fuzz"), _tool("mutants")
WITH_ORACLES = sorted(t for t in fuzz.TARGETS if (fuzz.FUZZ / "oracles" / f"{t}.py").exists())
FUZZ_MUTANTS = [m for m in mutants.load() if "fuzz" in m]


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
    assert result["runs"] > 100  # it fuzzed (make bench measures how fast)
    assert sorted(p.name for p in corpus.iterdir()) == before


def test_every_fixed_finding_is_a_regression_input():
    corpus = fuzz.FUZZ / "corpus" / "description"
    assert {p.name for p in corpus.glob("regression-*")} >= {
        "regression-totalsize-past-region", "regression-dtb-size-wraps",
        "regression-ram-past-ipa-space"}


@pytest.mark.parametrize("target", WITH_ORACLES)
def test_the_c_agrees_with_its_model_on_every_corpus_input(target):
    assert fuzz.differential(target) == []


@pytest.mark.parametrize("mutant", FUZZ_MUTANTS, ids=lambda m: m["name"])
def test_the_differential_check_catches_a_mutant_of_the_c(tmp_path, mutant):
    tree = tmp_path / "firmware_builds"
    shutil.copytree(fuzz.FIRMWARE, tree)
    assert mutants.apply(mutant, tree) is None
    assert fuzz.differential(mutant["fuzz"], firmware=tree)


def test_the_mutants_shown_include_one_the_qemu_suite_kills_and_one_it_cannot():
    # `first`: the QEMU tests that kill it; none: only the whole suite would,
    # and make mutants shows it does not (its killer is the oracle).
    assert {"first" in m for m in FUZZ_MUTANTS} == {True, False}
