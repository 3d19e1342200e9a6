"""Every field of a board or scenario file, missing, of the wrong type, or
unknown: one line naming the file and the field, never a traceback. The
cases come from the specs themselves, so a new field is covered too."""

import copy

import pytest
import tomli_w

from harness.boards import QEMU_SPEC, SERIAL_SPEC, load_board, to_toml as board_toml
from harness.errors import ConfigError
from harness.scenarios import SCENARIO_SPEC, load_scenario, to_toml as scenario_toml

WRONG = {int: "not a number", str: 12345, bool: "yes", list: 7, dict: 7, float: "x"}


def cases(spec, document):
    """(label, mutated document, field the error must name)."""
    for table_name, table in spec.items():
        where = f"{table_name}[0]" if table.array else table_name
        target = (lambda doc: doc[table_name][0]) if table.array else \
            (lambda doc, t=table_name: doc[t])
        if table.array and not document.get(table_name):
            continue
        for name, field in table.fields.items():
            doc = copy.deepcopy(document)
            target(doc)[name] = WRONG[field.type]
            yield f"{where}.{name}-wrong-type", doc, f"{where}.{name}"
            if field.required:
                doc = copy.deepcopy(document)
                target(doc).pop(name, None)
                yield f"{where}.{name}-missing", doc, f"{where}.{name}"
        doc = copy.deepcopy(document)
        target(doc)["no_such_field"] = 1
        yield f"{where}.unknown", doc, f"{where}.no_such_field"
    doc = copy.deepcopy(document)
    doc["no_such_section"] = {}
    yield "unknown-section", doc, "no_such_section"


def board_cases():
    yield from cases(QEMU_SPEC, board_toml(load_board("qemu-virt-gicv3")))
    yield from cases(SERIAL_SPEC, board_toml(load_board("example-serial-board")))


def scenario_cases():
    yield from cases(SCENARIO_SPEC, scenario_toml(load_scenario("virtio-blk-two-vms")))


def run_case(tmp_path, loader, document, field):
    path = tmp_path / "bad.toml"
    path.write_text(tomli_w.dumps(document))
    with pytest.raises(ConfigError) as err:
        loader(str(path))
    message = str(err.value)
    assert err.value.field == field, message
    assert message.startswith(f"{path}: {field}: ") and "\n" not in message


@pytest.mark.parametrize("label,document,field", list(board_cases()), ids=lambda c: None)
def test_every_board_field(tmp_path, label, document, field):
    run_case(tmp_path, load_board, document, field)


@pytest.mark.parametrize("label,document,field", list(scenario_cases()), ids=lambda c: None)
def test_every_scenario_field(tmp_path, label, document, field):
    run_case(tmp_path, load_scenario, document, field)


@pytest.mark.parametrize("key,value,words", [
    ("type", "teleport", "expected one of in, out"),
    ("sectors", 1000, "expected 0..128"),
    ("ioprio", -1, "expected 0..4294967295"),
    ("colour", 1, "unknown field"),
    ("barrier", "yes", "unexpected value"),
])
def test_malformed_virtio_requests(tmp_path, key, value, words):
    document = scenario_toml(load_scenario("virtio-blk-one-vm"))
    document["vm"][0]["requests"][0][key] = value
    path = tmp_path / "bad.toml"
    path.write_text(tomli_w.dumps(document))
    with pytest.raises(ConfigError, match=words) as err:
        load_scenario(str(path))
    assert err.value.field == f"vm[0].requests[0].{key}"
