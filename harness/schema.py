"""Validation of the project's TOML files (boards, scenarios) against a
declarative spec. Every problem becomes a ConfigError naming the file, the
field as a dotted path (``qemu.memory_mib``, ``vm[1].memory``) and what was
expected, so a user never sees a traceback for a typo."""

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError

Check = Callable[[Any], str | None]  # returns the problem, or None when fine


@dataclass(frozen=True)
class Field:
    type: type
    required: bool = True
    default: Any = None
    item: type | None = None  # element type of a list
    check: Check | None = None
    doc: str = ""


@dataclass(frozen=True)
class Table:
    fields: dict[str, Field]
    required: bool = True
    array: bool = False  # [[name]]: a list of tables
    doc: str = ""


Spec = dict[str, Table]

_TYPE_NAMES = {int: "an integer", str: "a string", bool: "true or false",
               list: "a list", float: "a number", dict: "a table"}


def describe_type(f: Field) -> str:
    if f.type is list and f.item is not None:
        return f"a list of {_TYPE_NAMES[f.item].removeprefix('an ').removeprefix('a ')}s"
    return _TYPE_NAMES[f.type]


def _is_type(value: Any, t: type) -> bool:
    if t is int:  # TOML booleans are Python ints: refuse them as numbers
        return isinstance(value, int) and not isinstance(value, bool)
    if t is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, t)


def in_range(lo: int, hi: int, unit: str = "") -> Check:
    def check(v: int) -> str | None:
        return None if lo <= v <= hi else f"expected {lo}..{hi}{unit}, got {v}"
    return check


def one_of(*choices: str) -> Check:
    def check(v: str) -> str | None:
        return None if v in choices else f"expected one of {', '.join(choices)}; got {v!r}"
    return check


def non_empty(v: Any) -> str | None:
    return None if v else "must not be empty"


def load_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(path, "file", "does not exist") from None
    except OSError as e:
        raise ConfigError(path, "file", f"cannot be read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(path, "syntax", f"not valid TOML: {e}") from None
    except UnicodeDecodeError:
        raise ConfigError(path, "syntax", "not valid UTF-8") from None


def _validate_table(data: Any, table: Table, where: str, path: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ConfigError(path, where, f"expected a table [{where}], got {type(data).__name__}")
    unknown = sorted(set(data) - set(table.fields))
    if unknown:
        raise ConfigError(path, f"{where}.{unknown[0]}",
                          f"unknown field (known: {', '.join(table.fields)})")
    out: dict[str, Any] = {}
    for name, f in table.fields.items():
        dotted = f"{where}.{name}"
        if name not in data:
            if f.required:
                raise ConfigError(path, dotted, f"missing, expected {describe_type(f)}")
            out[name] = f.default
            continue
        value = data[name]
        if not _is_type(value, f.type):
            raise ConfigError(path, dotted, f"expected {describe_type(f)}, got {value!r}")
        if f.item is not None:
            for i, v in enumerate(value):
                if not _is_type(v, f.item):
                    raise ConfigError(path, f"{dotted}[{i}]",
                                      f"expected {_TYPE_NAMES[f.item]}, got {v!r}")
        if f.check is not None and (problem := f.check(value)):
            raise ConfigError(path, dotted, problem)
        out[name] = value
    return out


def validate(data: dict[str, Any], spec: Spec, path: Path) -> dict[str, Any]:
    """Returns {section: {field: value}} (a list of those for array tables),
    with defaults filled in, or raises ConfigError on the first problem."""
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise ConfigError(path, unknown[0], f"unknown section (known: {', '.join(spec)})")
    out: dict[str, Any] = {}
    for name, table in spec.items():
        if name not in data:
            if table.required:
                header = f"[[{name}]]" if table.array else f"[{name}]"
                raise ConfigError(path, name, f"missing section {header}")
            out[name] = [] if table.array else _validate_table({}, table, name, path)
            continue
        if table.array:
            items = data[name]
            if not isinstance(items, list):
                raise ConfigError(path, name, f"expected [[{name}]] tables, got {items!r}")
            out[name] = [_validate_table(item, table, f"{name}[{i}]", path)
                         for i, item in enumerate(items)]
        else:
            out[name] = _validate_table(data[name], table, name, path)
    return out


def resolve(name_or_path: str, directory: Path, what: str) -> Path:
    """A name from a project directory (``hello``) or a path to a TOML file."""
    if name_or_path.endswith(".toml") or "/" in name_or_path:
        return Path(name_or_path)
    candidate = directory / f"{name_or_path}.toml"
    if not candidate.exists():
        known = ", ".join(sorted(p.stem for p in directory.glob("*.toml"))) or "none"
        raise ConfigError(candidate, what, f"no {what} named {name_or_path!r} (known: {known})")
    return candidate
