"""report.html (harness/report/html.py) from a hand-made ReportData, and the
page opened in headless chromium (harness/report/browser.py)."""

import html
import random
import re

import psutil
import pytest

from harness.errors import HarnessError, ToolMissing
from harness.report import browser
from harness.report.data import HYPERVISOR, Block, DiskChange, Mark, ReportData, Request, Slice
from harness.report.html import render

FAILURE_1 = "vm1 blk-done: expected status=0x0, got status=0x1 <at line 42> & more"
FAILURE_2 = "disk: sectors 96–103 changed, the model expected them unchanged"
MB = 1024 * 1024

def failing_run() -> ReportData:
    return ReportData(
        scenario="blk-two-vms", board="qemu-virt-gicv3", passed=False,
        failures=[FAILURE_1, FAILURE_2], vms=["linux-a", "zephyr-b"], cpus=2, end=2.5,
        slices=[Slice(0, 0.00, 0.40, "linux-a", 0), Slice(0, 0.40, 0.45, None),
                Slice(0, 0.45, 1.20, "zephyr-b", 0), Slice(0, 1.20, 2.40, "linux-a", 1),
                Slice(1, 0.10, 0.90, "zephyr-b", 0), Slice(1, 0.90, 2.00, "linux-a", 0)],
        marks=[Mark(0.0, HYPERVISOR, "boot", {"el": 2}),
               Mark(0.05, HYPERVISOR, "sched-round", duration=0.01),
               Mark(0.30, "linux-a", "blk-req", {"seq": 1}),
               Mark(0.50, "linux-a", "swap-out", {"ipa": 0x40010000}, duration=0.02),
               Mark(1.10, "zephyr-b", "console", {"text": "hello"}),
               Mark(1.90, "linux-a", "blk-done", {"status": 1}, failure=True)],
        requests=[Request("linux-a", 1, 1, 96, 4096, 0.30, 0.35, 0),
                  Request("linux-a", 2, 1, 200, 512, 1.80, 1.90, 1),
                  Request("zephyr-b", 1, 0, 8, 512, 2.10, None, None)],
        memory={"linux-a": [Block(0x40000000, 0x10000, "resident", pa=0x80000000),
                            Block(0x40010000, 0x10000, "lzo", clen=1234),
                            Block(0x40020000, 0x10000, "zero"),
                            Block(0x40030000, 0x10000, "resident", pa=0x80090000)],
                "zephyr-b": [Block(0x40000000, 0x20000, "resident", pa=0x81000000)]},
        disk=[DiskChange(0, 8, True, True), DiskChange(96, 8, True, False, False),
              DiskChange(200, 1, False, True, False), DiskChange(300, 16, False, False),
              DiskChange(400, 2, True, True, False)],
        files=["console.log", "trace.txt", "vm output/linux-a.log"],
        summary="blk-two-vms on qemu-virt-gicv3: 6 slices, 6 marks, 2.5 s")


def big_run() -> ReportData:
    """A Linux-sized run: 20,000 slices on 4 CPUs, 5,000 marks, 2,000 requests."""
    rng = random.Random(1)
    vms = ["linux-a", "linux-b", "zephyr-c"]
    slices, t = [], [0.0] * 4
    for i in range(20000):
        cpu = i % 4
        length = rng.expovariate(1 / 0.0005)
        slices.append(Slice(cpu, t[cpu], t[cpu] + length, rng.choice(vms + [None]), rng.randrange(2)))
        t[cpu] += length + rng.expovariate(1 / 0.0001)
    end = max(t)
    marks = [Mark(rng.uniform(0, end), rng.choice(vms + [HYPERVISOR]), f"event-{i % 37}",
                  {"n": i, "ipa": 0x40000000 + i * 4096},
                  duration=rng.choice([None, None, 0.001]), failure=(i == 4321))
             for i in range(5000)]
    requests = [Request(rng.choice(vms), i, 1, i * 8, 4096, s, s + 0.002, 0)
                for i, s in enumerate(sorted(rng.uniform(0, end) for _ in range(2000)))]
    return ReportData(scenario="linux-smp", board="qemu-virt-gicv3", passed=False,
                      failures=["linux-b: oops"], vms=vms, cpus=4, end=end,
                      slices=slices, marks=marks, requests=requests)


def test_page_shows_verdict_failures_vms_and_files():
    page = render(failing_run())
    assert "FAIL" in page and "PASS" not in page
    assert "<at line 42>" not in page  # escaped, not markup
    for text in (FAILURE_1, FAILURE_2, "blk-two-vms", "qemu-virt-gicv3"):
        assert _escaped(text) in page
    for vm in ("linux-a", "zephyr-b"):
        assert f">{vm}<" in page
    assert 'href="console.log"' in page and 'href="vm%20output/linux-a.log"' in page


def test_page_draws_every_part():
    page = render(failing_run())
    svg = page[page.index("<svg width=\"1370\""):]
    assert svg.count("<rect") >= 10
    assert "<title>CPU 0: linux-a vCPU 0 0.000000–0.400000 s" in page
    assert "FAILURE: blk-done @ 1.900000 s" in page
    assert 'class="fl"' in page and 'class="fline"' in page  # the failure mark, red
    assert 'class="rq-ok"' in page and 'class="rq-err"' in page and 'class="rq-open"' in page
    for state in ("resident", "lzo", "zero"):
        assert f'class="{state}"' in page
    assert "64 KiB, lzo, clen 1234 B" in page and "0x80090000" in page
    assert page.count('<tr class="bad">') == 3  # sectors 96.., 200 and 400: not as expected
    assert "MISMATCH: not the bytes the model expected" in page  # changed, but wrongly
    assert "MISMATCH: changed, not expected" in page
    assert "time (s)" in page


def test_page_without_disk_says_so():
    data = failing_run()
    data.disk = None
    assert "This run had no disk." in render(data)
    data.passed, data.failures = True, []
    assert ">PASS<" in render(data)


def test_page_loads_nothing_from_outside():
    page = render(failing_run())
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"<script[^>]*\bsrc=", page, re.IGNORECASE)
    assert not re.search(r"<link\b", page, re.IGNORECASE)
    assert not re.search(r"url\(\s*['\"]?(?!#)", page, re.IGNORECASE)  # only url(#pattern)
    for ref in re.findall(r'(?:src|href)="([^"]*)"', page):
        assert not re.match(r"[a-z][a-z0-9+.-]*:|//", ref, re.IGNORECASE), ref


def test_slices_closer_than_a_pixel_merge():
    data = failing_run()
    # 2.5 s over 1200 pixels: 1 ms apart is under a pixel, 0.1 s is not
    data.slices = [Slice(0, 0.0, 0.5, "linux-a", 0), Slice(0, 0.501, 1.0, "linux-a", 1),
                   Slice(0, 1.1, 1.5, "linux-a", 0)]
    page = render(data)
    assert "CPU 0: linux-a vCPU 0,1 0.000000–1.000000 s (1.000 s), 2 slices merged" in page
    assert "<title>CPU 0: linux-a vCPU 0 1.100000–1.500000 s" in page


def test_empty_run_renders():
    page = render(ReportData("empty", "qemu-virt-gicv3", True, [], [], 1, 0.0))
    assert ">PASS<" in page and "This run had no disk." in page


def test_small_page_is_small():
    assert len(render(failing_run()).encode()) < 40_000


def test_linux_sized_run_stays_under_2_mb():
    page = render(big_run())
    size = len(page.encode())
    assert size < 2 * MB, f"{size} bytes"
    assert page.count("<rect") < 25_000  # merged: far fewer than 20,000 slices + 5,000 marks
    assert "FAILURE: event-" in page  # the one failure mark survives the thinning


def test_chromium_renders_the_page_without_errors(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render(failing_run()))
    shot = tmp_path / "report.png"
    check = browser.check_page(page, screenshot=shot)
    assert check.console_errors == []
    assert FAILURE_1 in check.text and FAILURE_2 in check.text
    for vm in ("linux-a", "zephyr-b"):
        assert vm in check.text
    assert "FAIL" in check.text
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000  # a drawn page, not a blank one
    assert _our_chromiums() == []


def test_browser_check_catches_a_javascript_error(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><html><body><p>shown</p>"
                    "<script>\nthrow new Error('deliberate failure');\n</script></body></html>")
    check = browser.check_page(page)
    assert len(check.console_errors) == 1
    assert "Uncaught Error: deliberate failure" in check.console_errors[0]
    assert check.text == "shown"


def test_page_refuses_outside_resources(tmp_path):
    """The page's Content-Security-Policy turns any load from outside into a console error."""
    page = tmp_path / "report.html"
    page.write_text(render(failing_run()).replace(
        "</body>", '<img src="http://192.0.2.1/x.png"></body>'))
    errors = browser.check_page(page).console_errors
    assert len(errors) == 1 and "http://192.0.2.1/x.png" in errors[0]


def test_big_page_renders_in_chromium(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render(big_run()))
    check = browser.check_page(page)
    assert check.console_errors == []
    assert "linux-b: oops" in check.text


def test_browser_timeout_leaves_no_process(tmp_path, monkeypatch):
    page = tmp_path / "report.html"
    page.write_text(render(failing_run()))
    monkeypatch.setattr(browser, "TIMEOUT", 0.3)  # chromium needs more than that to start
    with pytest.raises(HarnessError, match="did not finish"):
        browser.check_page(page)
    assert _our_chromiums() == []


def _our_chromiums() -> list[int]:
    """Live processes with one of check_page's profiles on their command line."""
    found = []
    for p in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = " ".join(p.info["cmdline"] or [])
        if "zvm-hil-chromium-" in cmdline and p.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(p.info["pid"])
    return found


def test_missing_chromium_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(browser.shutil, "which", lambda name: None)
    with pytest.raises(ToolMissing, match="apt-get install chromium"):
        browser.check_page(tmp_path / "report.html")


def test_console_lines_are_parsed():
    stderr = ("[1:1:1201/052449.016569:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n"
              '[1:1:1201/052449.876403:INFO:CONSOLE:3] "Uncaught Error: a\nb", source: file:///t.html (3)\n'
              '[1:1:0101/000000.0:INFO:CONSOLE(7)] "old style", source: file:///t.html (7)\n')
    assert browser.console_messages(stderr) == ["Uncaught Error: a\nb (file:///t.html:3)",
                                                "old style (file:///t.html:7)"]


def _escaped(text: str) -> str:
    return html.escape(text, quote=True)
