"""Figures the security, reliability and accessibility tests produce, printed at the end of the
run (the README's "Security and reliability" section quotes them)."""

from __future__ import annotations

from collections import defaultdict

FIGURES: dict[str, int] = defaultdict(int)
LABELS = {
    "access_checks": "access-table answers checked (cases x roles), each as the table expects",
    "access_cases": "access-table cases (addresses, object-level and refused actions)",
    "pages": "page answers checked for headers and inline code (addresses x roles)",
    "page_addresses": "addresses walked",
    "schemathesis_cases": "schemathesis cases (OpenAPI operations x roles), no 500, all matching the schema",
    "upload_fuzz_cases": "hypothesis upload cases, no 500, nothing left in storage when refused",
    "backup_rows": "rows backed up, restored into an empty portal and compared",
    "backup_files": "files backed up, restored and compared by SHA-256",
    "accessibility_pages": "axe-core page checks (pages x languages x viewports), no serious or critical violation",
}


def add(name: str, count: int = 1) -> None:
    FIGURES[name] += count


def summary_lines() -> list[str]:
    return [f"{FIGURES[name]:>6}  {label}" for name, label in LABELS.items() if FIGURES.get(name)]
