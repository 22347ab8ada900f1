"""Contract examples: what the platforms' own documentation (or the locked client library's
source) says a request and its answer look like, kept as data with where and when it was read.

Each ``<platform>/<topic>.json`` holds::

    {"sources": [{"url": ..., "read_on": "YYYY-MM-DD", "note": ...}],
     "facts": {...},                      # limits and figures the code must agree with
     "examples": [{"name": ...,
                   "source": <index into sources>,
                   "request": {"method", "host", "path", "params": [...], "files": [...],
                               "headers": [...], "every_call": bool},
                   "response": {"status": 200, "body": {...}}}]}

``path`` uses ``{placeholders}`` for ids; bodies use ``"<...>"`` strings where any string goes.
The drivers' requests and the simulator's answers are both checked against these examples
(``tests/contracts/test_meta.py``), so neither drifts from the platform.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Example:
    platform: str
    topic: str
    name: str
    source: dict[str, Any]
    request: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)

    def path_pattern(self) -> re.Pattern[str]:
        """The request path as a regular expression (any Graph API version in front)."""
        path = re.escape(self.request["path"])
        path = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", path)
        return re.compile(rf"^(/v\d+\.\d+)?{path}/?$")


@cache
def document(platform: str, topic: str) -> dict[str, Any]:
    data = json.loads((HERE / platform / f"{topic}.json").read_text())
    for source in data["sources"]:
        assert source["url"].startswith("https://") and re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", source["read_on"]
        ), source
    return data


def facts(platform: str, topic: str) -> dict[str, Any]:
    return document(platform, topic).get("facts", {})


def examples(platform: str, topic: str | None = None) -> list[Example]:
    topics = [topic] if topic else sorted(p.stem for p in (HERE / platform).glob("*.json"))
    found = []
    for name in topics:
        data = document(platform, name)
        for example in data.get("examples", []):
            found.append(
                Example(
                    platform=platform,
                    topic=name,
                    name=example["name"],
                    source=data["sources"][example.get("source", 0)],
                    request=example.get("request", {}),
                    response=example.get("response", {}),
                )
            )
    return found


def example(platform: str, name: str) -> Example:
    for candidate in examples(platform):
        if candidate.name == name:
            return candidate
    raise KeyError(name)


def shape_problems(expected: Any, actual: Any, where: str = "body") -> list[str]:
    """How ``actual`` differs in shape from the documented ``expected``: every documented key is
    there with a value of the same kind; ``"<...>"`` matches any string or number given as text;
    other scalars of an error (code, subcode, type) must be equal."""
    problems: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {type(actual).__name__}"]
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{where}.{key}: missing")
            else:
                problems += shape_problems(value, actual[key], f"{where}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: expected a list, got {type(actual).__name__}"]
        if expected and actual:
            problems += shape_problems(expected[0], actual[0], f"{where}[0]")
        return problems
    if isinstance(expected, str) and expected.startswith("<") and expected.endswith(">"):
        if not isinstance(actual, str | int):
            problems.append(f"{where}: expected a string, got {actual!r}")
        return problems
    if isinstance(expected, bool) or actual != expected:
        if isinstance(expected, bool) and isinstance(actual, bool):
            return problems
        if isinstance(expected, int | float) and isinstance(actual, int | float):
            if where.endswith(("code", "error_subcode")) and expected != actual:
                problems.append(f"{where}: expected {expected!r}, got {actual!r}")
            return problems
        if expected != actual:
            problems.append(f"{where}: expected {expected!r}, got {actual!r}")
    return problems
