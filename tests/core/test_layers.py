"""The layers: ``core`` imports no app of the portal; ``skm`` does not import ``media_center``
(the dashboard of ``media_center`` may link to the SKM, not the other way round)."""

import ast
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
APPS = {"accounts", "assets", "publishing", "media_center", "skm"}


def _imports(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (BASE / package).rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found.update((str(path.relative_to(BASE)), name.split(".")[0]) for name in names)
    return found


def test_core_imports_no_app():
    assert not [(f, m) for f, m in _imports("core") if m in APPS]


def test_skm_does_not_import_media_center():
    assert not [(f, m) for f, m in _imports("skm") if m == "media_center"]


def test_skm_templates_do_not_extend_media_center_templates():
    for path in (BASE / "skm" / "templates").rglob("*.html"):
        assert "media_center/" not in path.read_text(), path
