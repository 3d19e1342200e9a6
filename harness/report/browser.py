"""Opening a page (report.html) in Debian's headless chromium, as a person's
browser would: what it logged on its console, and the text it shows. The
tests use it to prove the report renders without errors, offline."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ..errors import HarnessError, ToolMissing

CHROMIUM = "/usr/bin/chromium"
TIMEOUT = 90  # seconds; a cold start on a busy 2-core machine takes a few
WINDOW = "1400,1800"

# With --enable-logging=stderr, chromium writes each console message and
# uncaught exception to stderr, at INFO whatever its level (chromium 156
# logs console.log and console.error alike), e.g.
#   [24338:24338:1201/052449.876403:INFO:CONSOLE:1] "Uncaught Error: boom", source: file:///tmp/t.html (1)
# Older versions wrote "CONSOLE(1)]". The message may span lines.
CONSOLE = re.compile(r'^\[[^\]\n]*:CONSOLE[:(]\d+\)?\] "(.*?)", source: (.*?) \((\d+)\)$',
                     re.MULTILINE | re.DOTALL)
SCREENSHOT_NOTE = re.compile(r"^\d+ bytes written to file .*\n?", re.MULTILINE)


@dataclass
class PageCheck:
    console_errors: list[str]  # every console message: the report logs none
    text: str                  # the DOM's visible text, after the browser ran the page


def check_page(html: Path, screenshot: Path | None = None) -> PageCheck:
    """Open `html` in headless chromium (a fresh profile, no GPU), dump its DOM
    and, given `screenshot`, save a PNG of a 1400×1800 window there."""
    chromium = shutil.which(CHROMIUM) or shutil.which("chromium")
    if chromium is None:
        raise ToolMissing(f"{CHROMIUM} not found (Debian package chromium: apt-get install chromium); "
                          "the report's browser check needs it")
    with tempfile.TemporaryDirectory(prefix="zvm-hil-chromium-", ignore_cleanup_errors=True) as profile:
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr",
                "--v=0", f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
                "--disable-background-networking", "--disable-dev-shm-usage", "--dump-dom"]
        if screenshot is not None:
            args += [f"--screenshot={Path(screenshot).resolve()}", f"--window-size={WINDOW}"]
        stdout, stderr = _run(args + [Path(html).resolve().as_uri()], html)
    if screenshot is not None and not Path(screenshot).is_file():
        raise HarnessError(f"chromium wrote no screenshot {screenshot} of {html}")
    dom = SCREENSHOT_NOTE.sub("", stdout)
    return PageCheck(console_errors=console_messages(stderr), text=visible_text(dom))


def _run(args: list[str], html: Path) -> tuple[str, str]:
    """Run chromium in its own process group, and leave none of it running."""
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, errors="replace",
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        proc.communicate()
        raise HarnessError(f"chromium did not finish opening {html} within {TIMEOUT} s") from None
    finally:
        _kill_group(proc.pid)  # helpers that outlived the browser's main process
    if proc.returncode != 0:
        tail = " | ".join(stderr.strip().splitlines()[-3:])
        raise HarnessError(f"chromium failed on {html} (exit {proc.returncode}): {tail}")
    return stdout, stderr


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already


def console_messages(stderr: str) -> list[str]:
    """'MESSAGE (SOURCE:LINE)' of each console line in chromium's stderr."""
    return [f"{m[1]} ({m[2]}:{m[3]})" for m in CONSOLE.finditer(stderr)]


class _Text(HTMLParser):
    """Text a reader sees: not the head's, scripts', styles' or SVG <title>s'
    (hover text). Block elements start a new line."""

    HIDDEN = frozenset({"head", "script", "style", "title", "template", "noscript"})
    BLOCKS = frozenset({"p", "div", "li", "tr", "h1", "h2", "h3", "h4", "br", "table", "ul",
                        "svg", "text"})
    CELLS = frozenset({"td", "th", "span"})  # a space between, as a reader sees them

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.lines: list[list[str]] = [[]]

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.lines.append([])
        elif tag in self.CELLS:
            self.lines[-1].append(" ")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self.BLOCKS:
            self.lines.append([])

    def handle_data(self, data):
        if not self.hidden:
            self.lines[-1].append(data)


def visible_text(dom: str) -> str:
    parser = _Text()
    parser.feed(dom)
    parser.close()
    lines = (" ".join("".join(parts).split()) for parts in parser.lines)
    return "\n".join(line for line in lines if line)
