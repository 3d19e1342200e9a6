"""The harness's shape, checked from its source (docs/architecture.md): no
import cycles, no module reaching into another's underscore names, leaves
that import nothing of the project, models that mirror the hypervisor only,
and guest kinds found by the registry alone."""

import ast
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "harness"
LEAVES = {"harness.spec", "harness.memory_map", "harness.expect", "harness.errors",
          "harness.paths", "harness.bundle.files"}
# What a model may import: other models and the leaves (pure Python, no QEMU).
MODEL_DEPENDENCIES = LEAVES


def module_name(path: Path) -> str:
    parts = path.relative_to(HARNESS.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(HARNESS.rglob("*.py"))}


def is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


def resolve(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package(module) else module.split(".")[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(module: str) -> list[tuple[str, list[str]]]:
    """(imported project module, names taken from it) for every import in
    `module`, wherever it is (lazy imports in functions count too)."""
    found = []
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("harness")]
        elif isinstance(node, ast.ImportFrom):
            target = resolve(module, node)
            if not target.startswith("harness"):
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((sub, []) if sub in MODULES else (target, [alias.name]))
    return found


def graph() -> dict[str, set[str]]:
    return {m: {target for target, _ in imports(m) if target in MODULES and target != m}
            for m in MODULES}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def private_uses(module: str) -> list[str]:
    """Underscore names of other project modules that `module` uses."""
    tree = ast.parse(MODULES[module].read_text())
    bad, aliases = [], {}
    for target, names in imports(module):
        bad += [f"{target}.{n}" for n in names
                if n.startswith("_") and not n.startswith("__") and target != module]
    for node in ast.walk(tree):  # names bound to project modules
        if isinstance(node, ast.ImportFrom) and resolve(module, node).startswith("harness"):
            for a in node.names:
                if f"{resolve(module, node)}.{a.name}" in MODULES:
                    aliases[a.asname or a.name] = f"{resolve(module, node)}.{a.name}"
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            bad.append(f"{aliases[node.value.id]}.{node.attr}")
    return bad


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_uses_another_modules_underscore_names(module):
    assert private_uses(module) == []


@pytest.mark.parametrize("module", sorted(LEAVES))
def test_leaves_import_nothing_of_the_project(module):
    assert graph()[module] == set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("harness.models.")))
def test_models_depend_only_on_models_and_leaves(module):
    outside = {t for t in graph()[module]
               if not t.startswith("harness.models") and t not in MODEL_DEPENDENCIES}
    assert outside == set()


def test_guest_kinds_are_named_only_in_their_own_modules():
    """Adding a guest kind touches its module: no other module branches on a
    kind's name."""
    from harness.guests import kinds

    names = [f'"{name}"' for name in kinds()]
    for module, path in MODULES.items():
        if module.startswith("harness.guests."):
            continue
        text = path.read_text()
        assert not [n for n in names if n in text], module
