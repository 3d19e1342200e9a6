"""A guest kind is one module: dropped into the guests package, it is found
by the registry, its own [[vm]] fields are accepted for its VMs (and refused
for others'), its events become trace vocabulary, and a scenario using it is
planned, with nothing else in the harness changed."""

import textwrap

import pytest

import harness.guests
from harness import trace
from harness.boards import load_board
from harness.errors import ConfigError
from harness.plan import plan
from harness.scenarios import load_scenario

ECHO = '''
from harness.guests.base import GuestKind
from harness.guests.memstress import KIND as MEMSTRESS
from harness.schema import Field


class Echo(GuestKind):
    """memstress's firmware under another name, with a field of its own."""
    name = "echo"
    fields = {"volume": Field(int, doc="how loud")}
    events = {"echo-said": frozenset({"volume"})}

    def build(self):
        return MEMSTRESS.build()

    def params(self, scenario, index, partitions):
        return {"volume": scenario.vms[index].options["volume"]}


KIND = Echo()
'''
SCENARIO = """
[scenario]
name = "echo"
[[vm]]
name = "e0"
guest = "echo"
memory_kib = 1024
{field}
"""


@pytest.fixture
def echo_kind(tmp_path, monkeypatch):
    (tmp_path / "echo.py").write_text(textwrap.dedent(ECHO))
    monkeypatch.setattr(harness.guests, "__path__", [*harness.guests.__path__, str(tmp_path)])
    harness.guests.kinds.cache_clear()
    trace.guest_vocabulary.cache_clear()
    yield
    harness.guests.kinds.cache_clear()
    trace.guest_vocabulary.cache_clear()


def scenario(tmp_path, field: str):
    path = tmp_path / "s.toml"
    path.write_text(SCENARIO.format(field=field))
    return load_scenario(str(path))


def test_a_new_kind_is_found_loaded_and_planned(tmp_path, echo_kind):
    s = scenario(tmp_path, "volume = 11")
    assert s.vms[0].options == {"volume": 11}
    planned = plan(load_board("qemu-virt-gicv3"), s)
    assert planned.vms[0].params == {"volume": 11}
    assert trace.parse_line("[e0] @guest echo-said volume=0xb").fields == {"volume": 11}


def test_its_field_is_its_own(tmp_path, echo_kind):
    with pytest.raises(ConfigError, match=r"vm\[0\].volume: the echo guest needs volume"):
        scenario(tmp_path, "")
    with pytest.raises(ConfigError, match=r"vm\[0\].attack: the echo guest takes no attack"):
        scenario(tmp_path, "volume = 1\nattack = 'oob-read'")
