"""docs/reliability.md and mutants/firmware.toml stay true to the code: every
attack is documented as the model has it, every mutant still applies."""

import importlib.util
import re

import pytest

from harness import paths
from harness.guests import hostile

DOC = (paths.REPO / "docs" / "reliability.md").read_text()


def load_mutants_tool():
    spec = importlib.util.spec_from_file_location("mutants", paths.REPO / "tools" / "mutants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("attack", list(hostile.ATTACKS.values()), ids=lambda a: a.name)
def test_every_attack_is_documented_with_its_outcome(attack):
    assert f"| `{attack.name}` | {attack.does} | {attack.expect} | {attack.variant} |" in DOC


def test_the_doc_lists_no_attack_the_model_lacks():
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|.*\| (?:static|dynamic) \|$", DOC, re.MULTILINE)
    documented = set(rows)
    assert documented == set(hostile.ATTACKS)


def test_every_mutant_still_applies_to_the_firmware():
    tool = load_mutants_tool()
    mutants = tool.load()
    assert len({m["name"] for m in mutants}) == len(mutants)
    for m in mutants:
        assert tool.does_not_apply(m, paths.FIRMWARE) is None, m["name"]
