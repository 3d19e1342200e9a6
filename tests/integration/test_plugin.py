"""The pytest plugin's own surface: zvm_system with a scenario marker,
capability markers for -m, JUnit properties, payload report lines as JUnit
cases."""

import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.qemu


@pytest.mark.zvm_scenario("lzo-swap")
def test_zvm_system_runs_the_marked_scenario(zvm_system, request):
    assert zvm_system.passed, zvm_system.summary()
    assert zvm_system.scenario.name == "lzo-swap"
    assert zvm_system.trace.named("swap-out")  # the parsed events
    assert zvm_system.trace.lines  # and the console
    assert {m.name for m in request.node.iter_markers()} >= {"swap", "dynamic", "vms"}
    assert dict(request.node.user_properties)["board"] == "qemu-virt-gicv3"


def test_capability_markers_select_and_junit_gets_properties(tmp_path):
    test_file = tmp_path / "test_caps.py"
    test_file.write_text(
        "import pytest\n"
        "@pytest.mark.zvm_scenario('virtio-blk-one-vm')\n"
        "def test_disk(zvm_system):\n"
        "    assert zvm_system.passed\n"
        "@pytest.mark.zvm_scenario('hello')\n"
        "def test_boot(zvm_system):\n"
        "    assert zvm_system.passed\n")
    junit = tmp_path / "junit.xml"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(test_file), "-m", "virtio_blk", f"--junitxml={junit}",
                           "--rootdir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert "1 passed, 1 deselected" in done.stdout
    xml = junit.read_text()
    for prop in ('name="board" value="qemu-virt-gicv3"', 'name="git_commit"', 'name="images"'):
        assert prop in xml


def test_zvm_repeat_fails_a_test_whose_runs_differ(tmp_path):
    """--zvm-repeat 3: identical counted runs pass; runs whose verdicts
    differ (here every second one is made to fail) fail the test with the
    report, which counts the failure across the runs."""
    test_file = tmp_path / "test_repeat.py"
    test_file.write_text(
        "import itertools\n"
        "import harness.repeat\n"
        "def test_counted(zvm_run):\n"
        "    assert zvm_run('two-vms-static').passed\n"
        "def test_flaky(zvm_run, monkeypatch):\n"
        "    real, runs = harness.repeat.run_scenario, itertools.count()\n"
        "    def every_second_fails(*args, **kwargs):\n"
        "        result = real(*args, **kwargs)\n"
        "        if next(runs) % 2:\n"
        "            result.failures = ['planted']\n"
        "        return result\n"
        "    monkeypatch.setattr(harness.repeat, 'run_scenario', every_second_fails)\n"
        "    zvm_run('hello')\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(test_file), "--zvm-repeat", "3", "--icount", "deterministic",
                           "--rootdir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert "1 failed, 1 passed" in done.stdout, done.stdout
    assert "the runs differ:" in done.stdout
    assert "3 runs of hello on qemu-virt-gicv3: 2 passed" in done.stdout
    assert "failed in 1 of 3 runs" in done.stdout and "planted" in done.stdout


@pytest.mark.parametrize("workers", ["0", "2"])
def test_each_payload_report_line_is_its_own_junit_case(tmp_path, workers):
    """kvm-unit-tests' report lines, each a case under its test and VM, with
    its outcome (a FAIL line a failed case, a SKIP a skipped one), with and
    without xdist (whose workers only forward their tests' own reports)."""
    test_file = tmp_path / "test_kut.py"
    test_file.write_text(
        "import dataclasses\n"
        "from harness.scenarios import load_scenario\n"
        "def test_setup(zvm_run):\n"
        "    scenario = load_scenario('kut-selftest-setup')\n"
        "    vm = scenario.vms[0]\n"
        "    wrong = dataclasses.replace(vm, options={**vm.options, 'args': 'setup smp=1 mem=32'})\n"
        "    assert not zvm_run(dataclasses.replace(scenario, vms=(wrong,))).passed\n"
        "def test_psci(zvm_run):\n"
        "    scenario = load_scenario('kut-psci')\n"
        "    vm = scenario.vms[0]\n"
        "    one = dataclasses.replace(vm, vcpus=1, options={**vm.options, 'expect': 'skip'})\n"
        "    assert zvm_run(dataclasses.replace(scenario, vms=(one,))).passed\n")
    junit = tmp_path / "junit.xml"
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "-n", workers, str(test_file), f"--junitxml={junit}",
                           "--rootdir", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    cases = {(case.get("classname"), case.get("name")): [c.tag for c in case
                                                          if c.tag != "properties"]
             for case in ET.parse(junit).iter("testcase")}
    assert cases == {
        ("test_kut", "test_setup"): [], ("test_kut", "test_psci"): [],
        ("test_kut.test_setup.kut", "selftest: setup: smp: number of CPUs matches expectation"): [],
        ("test_kut.test_setup.kut", "selftest: setup: mem: memory size matches expectation"):
            ["failure"],
        ("test_kut.test_psci.kut", "psci: At least 2 cpus required"): ["skipped"],
    }, done.stdout
    assert done.returncode == 1  # the failed case fails the session, as its test's run did
