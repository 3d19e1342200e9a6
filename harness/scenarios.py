"""Scenarios: what to build and run, one TOML file each under
firmware_builds/scenarios/ (or anywhere, given as a path)."""

from dataclasses import dataclass
from pathlib import Path

from . import paths
from .schema import Field, Table, in_range, load_toml, non_empty, one_of, resolve, validate

VARIANTS = ("static", "dynamic")

SCENARIO_SPEC = {
    "scenario": Table({
        "name": Field(str, check=non_empty),
        "summary": Field(str, required=False, default=""),
        "timeout_s": Field(int, required=False, default=30, check=in_range(1, 3600, " s")),
    }),
    "hypervisor": Table({
        "variant": Field(str, required=False, default="static", check=one_of(*VARIANTS),
                         doc="static: CONFIG_VM_DYNAMIC_MEMORY off; dynamic: on"),
        "defines": Field(list, required=False, default=[], item=str,
                         doc="extra C macros for the hypervisor build (fault injection)"),
    }, required=False),
}


@dataclass(frozen=True)
class Scenario:
    path: Path
    name: str
    summary: str
    timeout_s: int
    variant: str
    defines: tuple[str, ...]


def load_scenario(name_or_path: str) -> Scenario:
    path = resolve(name_or_path, paths.SCENARIOS, "scenario")
    v = validate(load_toml(path), SCENARIO_SPEC, path)
    s, h = v["scenario"], v["hypervisor"]
    return Scenario(path, s["name"], s["summary"], s["timeout_s"], h["variant"],
                    tuple(h["defines"]))


def list_scenarios() -> list[Scenario]:
    return [load_scenario(str(p)) for p in sorted(paths.SCENARIOS.glob("*.toml"))]


DEFAULT_SCENARIO = "hello"
