import pytest

from harness.errors import ConfigError
from harness.scenarios import list_scenarios, load_scenario


def test_shipped_scenarios_load():
    names = {s.name for s in list_scenarios()}
    assert "hello" in names
    hello = load_scenario("hello")
    assert (hello.variant, hello.defines) == ("static", ())


@pytest.mark.parametrize("text,field", [
    ("[scenario]\n", "scenario.name"),
    ("[scenario]\nname='x'\ntimeout_s=0\n", "scenario.timeout_s"),
    ("[scenario]\nname='x'\n[hypervisor]\nvariant='turbo'\n", "hypervisor.variant"),
    ("[scenario]\nname='x'\n[hypervisor]\ndefines='X'\n", "hypervisor.defines"),
    ("[scenario]\nname='x'\n[vms]\n", "vms"),
])
def test_malformed_scenario(tmp_path, text, field):
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_scenario(str(path))
    assert err.value.field == field and str(err.value).startswith(f"{path}: {field}: ")


@pytest.mark.parametrize("name", ["hello", "two-vms-static", "dynamic-oom", "lzo-swap",
                                  "virtio-blk-two-vms", "virtio-blk-one-vm"])
def test_scenarios_round_trip_through_toml(tmp_path, name):
    import dataclasses

    import tomli_w

    from harness.scenarios import to_toml

    original = load_scenario(name)
    path = tmp_path / "s.toml"
    path.write_bytes(tomli_w.dumps(to_toml(original)).encode())
    again = load_scenario(str(path))
    assert dataclasses.replace(again, path=original.path) == original


def test_boards_round_trip_through_toml(tmp_path):
    import dataclasses

    import tomli_w

    from harness.boards import list_boards, load_board, to_toml

    for board in list_boards():
        path = tmp_path / f"{board.name}.toml"
        path.write_bytes(tomli_w.dumps(to_toml(board)).encode())
        assert dataclasses.replace(load_board(str(path)), path=board.path) == board
