"""The rules of Chrome's trace-event format (the "JSON Object Format" that
Perfetto and chrome://tracing read), as a check of a timeline.json: written
from the format's documentation, not from harness/report/timeline.py."""

PHASES = {"X", "B", "E", "i", "I", "b", "e", "n", "M", "C"}
INSTANT_SCOPES = {"g", "p", "t"}


def problems(doc) -> list[str]:
    """What breaks the format in `doc` (the parsed JSON), or nothing."""
    if not isinstance(doc, dict) or not isinstance(doc.get("traceEvents"), list):
        return ["not an object with a traceEvents list"]
    out: list[str] = []
    last_ts: dict[tuple, float] = {}
    stacks: dict[tuple, list[str]] = {}
    open_async: dict[tuple, int] = {}
    for n, e in enumerate(doc["traceEvents"]):
        where = f"event {n} ({e.get('name')!r})"
        missing = [k for k in ("name", "ph", "pid") if k not in e]
        if e.get("ph") != "M":
            missing += [k for k in ("ts", "tid") if k not in e]
        if missing:
            out.append(f"{where}: lacks {', '.join(missing)}")
            continue
        ph = e["ph"]
        if ph not in PHASES:
            out.append(f"{where}: unknown phase {ph!r}")
            continue
        if ph == "M":
            continue
        if not isinstance(e["ts"], (int, float)) or e["ts"] < 0:
            out.append(f"{where}: bad ts {e['ts']!r}")
            continue
        track = (e["pid"], e["tid"])
        if e["ts"] < last_ts.get(track, 0):
            out.append(f"{where}: ts {e['ts']} before {last_ts[track]} on track {track}")
        last_ts[track] = e["ts"]
        if ph == "X" and not (isinstance(e.get("dur"), (int, float)) and e["dur"] >= 0):
            out.append(f"{where}: a complete event needs dur >= 0")
        if ph in ("i", "I") and e.get("s", "t") not in INSTANT_SCOPES:
            out.append(f"{where}: instant scope {e.get('s')!r}")
        if ph == "B":
            stacks.setdefault(track, []).append(e["name"])
        if ph == "E" and not stacks.get(track):
            out.append(f"{where}: E without B on track {track}")
        elif ph == "E":
            stacks[track].pop()
        if ph in ("b", "e"):
            if "id" not in e or "cat" not in e:
                out.append(f"{where}: an async event needs id and cat")
                continue
            key = (e["cat"], str(e["id"]), e["name"])
            open_async[key] = open_async.get(key, 0) + (1 if ph == "b" else -1)
            if open_async[key] < 0:
                out.append(f"{where}: async end before its begin")
    out += [f"track {t}: {len(s)} B without E" for t, s in stacks.items() if s]
    out += [f"async {k}: {v} begun, never ended" for k, v in open_async.items() if v > 0]
    return out
