"""Contract examples: what a platform's documentation (or its client library's source) shows
a request and its answer to be, kept as data with the page and the day it was read.

Each ``<platform>/<name>.json`` holds ``source`` (``url``, ``read_on``, optional ``also`` and
``verified_in_official_docs``), ``request`` (``method``, ``path``, ``params`` / ``json`` /
``form``) and ``response`` (``status``, ``headers``, ``json``). Tests check the drivers'
requests and the simulator's answers against the same example.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


def load(platform: str, name: str) -> dict:
    """The example ``name`` of ``platform`` (``tests/contracts/<platform>/<name>.json``)."""
    return json.loads((ROOT / platform / f"{name}.json").read_text(encoding="utf-8"))


def shape(value: Any) -> Any:
    """The structure of a JSON value: keys and value types, not the values themselves."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def missing_from(example: Any, actual: Any, path: str = "") -> list[str]:
    """What the example has that ``actual`` lacks or types differently (extra keys are fine)."""
    problems: list[str] = []
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{path or '/'}: expected an object"]
        for key, item in example.items():
            if key not in actual:
                problems.append(f"{path}/{key}: missing")
            else:
                problems.extend(missing_from(item, actual[key], f"{path}/{key}"))
    elif isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list"]
        if example and actual:
            problems.extend(missing_from(example[0], actual[0], f"{path}[0]"))
    elif shape(example) != shape(actual):
        problems.append(f"{path}: expected {shape(example)}, got {shape(actual)}")
    return problems
