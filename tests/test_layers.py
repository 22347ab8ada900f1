"""The layers of the portal (docs/architecture.md): imports point one way, and no module of the
portal imports itself back through others.

The order, from the ground up: ``core`` ← ``accounts`` ← ``assets`` ← ``publishing`` ← the
features built on publishing (``insights``, ``skm``, ...) ← ``media_center`` ← ``config``'s entry
``config``: the wiring (settings, URLs, the admin site, the Celery app, WSGI/ASGI, middleware,
error pages), which may import everything and which no app imports. What every app shares (the
API's shared parts, parameters, converters, log redaction) lives in ``core`` and imports no app. An app may
import only apps below it. Imports read only by the type checker (``if TYPE_CHECKING:``) do not count; imports
inside a function do, as they tie the modules at run time all the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

from core.periodic import PORTAL_APPS

BASE = Path(__file__).resolve().parents[1]

# Lower number, lower floor. Apps on the same floor do not import each other.
LAYERS: dict[str, int] = {
    "core": 0,
    "accounts": 1,
    "assets": 2,
    "publishing": 3,
    "skm": 4,
    "insights": 5,  # its reports carry the survey's results
    "boosts": 5,
    "media_center": 6,
    "config": 7,
}


def _floor(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def _packages() -> list[str]:
    tops = {app.split(".")[0] for app in PORTAL_APPS} | {"core", "config"}
    return sorted(tops)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(BASE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    modules = {}
    for package in _packages():
        for path in (BASE / package).rglob("*.py"):
            modules[_module_name(path)] = path
    return modules


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """Ids of the import nodes under ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If):
            test = node.test
            name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
            if name == "TYPE_CHECKING":
                for child in node.body:
                    skipped.update(id(inner) for inner in ast.walk(child))
    return skipped


def _imported(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The portal's modules that ``module`` imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    skipped = _type_checking_nodes(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                origin = ".".join([*base, node.module] if node.module else base)
            else:
                origin = node.module or ""
            # ``from x import y`` imports the module x.y when there is one, else a name of x.
            candidates = [
                f"{origin}.{alias.name}" if f"{origin}.{alias.name}" in modules else origin
                for alias in node.names
            ]
        else:
            continue
        for candidate in candidates:
            while candidate and candidate not in modules:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != module:
                found.add(candidate)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imported(name, path, modules) for name, path in modules.items()}


def _circles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected groups of two modules or more (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

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
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(frozenset(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_every_app_has_a_floor():
    missing = [package for package in _packages() if package not in LAYERS]
    assert not missing, f"place these apps in LAYERS and docs/architecture.md: {missing}"


def test_apps_import_only_apps_below_them():
    upward = []
    for module, targets in _graph().items():
        app = module.split(".")[0]
        for target in targets:
            other = target.split(".")[0]
            if other != app and _floor(target) >= _floor(module):
                upward.append(f"{module} -> {target}")
    assert not sorted(upward)


def test_no_app_imports_config():
    """``config`` wires the apps together; an app that needs something of it wants ``core``."""
    graph = _graph()
    assert not [(m, t) for m in graph if not m.startswith("config") for t in graph[m]
                if t.startswith("config")]  # fmt: skip


def test_no_import_circle():
    circles = [sorted(c) for c in _circles(_graph())]
    assert not circles


def test_the_reader_sees_circles_and_upward_imports():
    """The checks above see what they look for (on a made-up graph)."""
    graph = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x"}, "b.w": set()}
    assert _circles(graph) == [frozenset({"a.x", "a.y", "a.z"})]
    modules = _modules()
    assert "core.periodic" in _imported("assets.tasks", modules["assets.tasks"], modules)
    assert "assets.models" in _imported("assets.selectors", modules["assets.selectors"], modules)


def test_skm_templates_do_not_extend_media_center_templates():
    for path in (BASE / "skm" / "templates").rglob("*.html"):
        assert "media_center/" not in path.read_text(), path
