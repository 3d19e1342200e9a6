"""Runs people can look at (harness/report/): a failing test's bundle
carries report.html and timeline.json, their path in the failure's text
and its JUnit properties; the page opens in a real headless browser
(Debian's chromium) without a console error, naming the failure and every
VM, its screenshot kept in the bundle."""

import json
import xml.etree.ElementTree as ET

import pytest

from harness.report import TIMELINE
from harness.report.browser import check_page
from tests.conftest import run_a_failing_test

pytestmark = pytest.mark.qemu


def test_a_failing_test_gets_a_report_that_opens_in_a_browser(tmp_path):
    junit = tmp_path / "junit.xml"
    done = run_a_failing_test(tmp_path, f"--basetemp={tmp_path / 'base'}", f"--junitxml={junit}")
    assert done.returncode == 1, done.stdout
    case = ET.parse(junit).find(".//testcase")
    reports = [p.get("value") for p in case.iter("property") if p.get("name") == "report"]
    assert len(reports) == 1 and reports[0] in case.find("failure").text
    report = tmp_path / reports[0]
    bundle = report.parent
    assert (bundle / TIMELINE).exists() and not (bundle / "report-error.txt").exists()
    failures = json.loads((bundle / "result.json").read_text())["failures"]

    page = check_page(report, screenshot=bundle / "report.png")
    assert page.console_errors == []
    assert failures and all(f.split(":")[0] in page.text for f in failures)
    assert "FAIL" in page.text and "vm0" in page.text
    assert (bundle / "report.png").stat().st_size > 10_000
