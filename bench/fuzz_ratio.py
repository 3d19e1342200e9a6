"""The host fuzz targets' speed (tools/fuzz.py): each target fuzzed for a
few seconds as make fuzz builds it (ASan and UBSan) and without the
sanitizers, side by side, nothing added to the corpora: executions per
second, and what the sanitizers cost."""

import importlib.util
import tempfile
from pathlib import Path

from harness import paths

SECONDS = 10


def _fuzz_tool():
    spec = importlib.util.spec_from_file_location("fuzz_tool", paths.REPO / "tools" / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(rounds: int = 5) -> list[dict]:
    fuzz = _fuzz_tool()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(fuzz.TARGETS):
            plain_binary = fuzz.build(name, out=Path(tmp), sanitized=False)
            sanitized = fuzz.run(name, SECONDS, replay=False, scratch=True)
            plain = fuzz.run(name, SECONDS, replay=False, scratch=True, binary=plain_binary)
            if not (sanitized["ok"] and plain["ok"]):
                raise SystemExit(f"fuzz target {name}: {sanitized['finding'] or plain['finding']}")
            rows.append({"name": f"fuzz {name}: executions/s under ASan+UBSan",
                         "value": sanitized["exec_per_sec"], "unit": "/s", "target": None,
                         "note": f"{plain['exec_per_sec']}/s without: sanitizers cost "
                                 f"{plain['exec_per_sec'] / max(sanitized['exec_per_sec'], 1):.1f}x"})
    return rows
