"""The shape of the code (DESIGN.md §6), read from the source with `ast`: dependencies point one
way, hub < assessments < programs < datahub < progress; nothing imports the dev-only `devdata`
app; and no module imports another that imports it back, at module level or inside a
function (a function-level import hides a circle until the day it runs first)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("hub", "assessments", "programs", "datahub", "progress")
RANK = {app: rank for rank, app in enumerate(LAYERS)}
# The root URLconf mounts every app's URLs and API routes: it sits above them all.
ROOT_URLCONF = "hub.urls"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _app_modules() -> dict[str, Path]:
    modules = {}
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                modules[_module_name(path)] = path
    return modules


MODULES = _app_modules()


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every import statement of the file, wherever it stands.
    `from package import name` counts as importing package.name when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - (node.level - 1)]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append((candidate if candidate in MODULES else base, node.lineno))
    return found


IMPORTS = {module: _imports(module, path) for module, path in MODULES.items()}


def _where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


def test_the_layers_are_all_read():
    assert {"hub.models", "hub.roles", "assessments.models", "programs.models"} <= set(MODULES)
    assert "progress.models" in MODULES
    assert not any(".migrations" in module for module in MODULES)


def test_apps_import_only_apps_below_them():
    wrong = []
    for module, imports in IMPORTS.items():
        if module == ROOT_URLCONF:
            continue
        rank = RANK[module.split(".")[0]]
        for name, line in imports:
            top = name.split(".")[0]
            if top in RANK and RANK[top] > rank:
                wrong.append(f"{_where(module, line)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_nothing_imports_devdata():
    wrong = [
        f"{_where(module, line)} imports {name}"
        for module, imports in IMPORTS.items()
        for name, line in imports
        if name.split(".")[0] == "devdata"
    ]
    assert not wrong, "\n".join(wrong)


def _graph(apps=LAYERS) -> dict[str, set[str]]:
    return {
        module: {name for name, _line in imports if name in MODULES and name != module}
        for module, imports in IMPORTS.items()
        if module.split(".")[0] in apps
    }


def _hub_graph() -> dict[str, set[str]]:
    return _graph(("hub",))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def test_hub_roles_and_models_do_not_import_each_other():
    graph = _hub_graph()
    assert not ("hub.models" in graph["hub.roles"] and "hub.roles" in graph["hub.models"])
    # The roles are read by the models' visibility rule, so they come first.
    assert "hub.models" not in graph["hub.roles"]


def test_no_import_cycle_within_hub():
    cycles = _cycles(_hub_graph())
    assert not cycles, "import cycles within hub: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_no_import_cycle_anywhere():
    """Between any two modules of the apps (a package's __init__ re-exporting its modules is
    not a cycle unless one of them imports the package back)."""
    cycles = _cycles(_graph())
    assert not cycles, "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
