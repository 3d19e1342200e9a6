"""LAVA jobs for every shipped scenario validate against LAVA's own schema
(Debian's lava-common), and a broken one does not."""

import yaml
import pytest

from harness import lava
from harness.boards import load_board
from harness.scenarios import list_scenarios


@pytest.mark.parametrize("scenario", list_scenarios(), ids=lambda s: s.name)
def test_every_shipped_scenario_gives_a_valid_job(tmp_path, scenario):
    job = lava.write_job(load_board("qemu-virt-gicv3"), scenario, tmp_path, tmp_path.as_uri())
    assert lava.validate(job) == []
    data = yaml.safe_load(job.read_text())
    images = data["actions"][0]["deploy"]["images"]
    assert images["kernel"]["image_arg"] == "-kernel {kernel}"
    assert (tmp_path / "zvm.elf").exists()
    if scenario.vms:
        assert "addr=0x41000000" in images["blob0"]["image_arg"]  # the description


def test_a_job_lava_would_refuse_is_reported(tmp_path):
    job = lava.write_job(load_board("qemu-virt-gicv3"), list_scenarios()[0], tmp_path,
                         tmp_path.as_uri())
    data = yaml.safe_load(job.read_text())
    data["actions"][2]["test"]["monitors"][0]["name"] = "not a valid name!"
    job.write_text(yaml.safe_dump(data))
    assert lava.validate(job)
