"""What a published post reached without paid promotion: a registry the app that reads the
platforms' figures fills (``insights``, from its ``AppConfig.ready``), so that a feature beside it
(``boosts``: boosted against organic reach) reads them without importing it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

# Takes delivery ids, returns {delivery id: its latest reach, or None when not read}.
ReachReader = Callable[[Iterable[int]], dict[int, int | None]]

_reach_reader: ReachReader | None = None


def register_reach_reader(reader: ReachReader) -> None:
    global _reach_reader
    _reach_reader = reader


def organic_reach(delivery_ids: Iterable[int]) -> dict[int, int | None]:
    """Each delivery's latest reach as the platform reported it ({} when nothing reads figures)."""
    ids = list(delivery_ids)
    if _reach_reader is None or not ids:
        return {}
    return _reach_reader(ids)
