"""What a published post reached without paid promotion: a registry the app that reads the
platforms' figures fills (``insights``, from its ``AppConfig.ready``), so that a feature beside it
(``boosts``: boosted against organic reach) reads them without importing it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

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


# The other way: what paid promotion added to a delivery, filled by the app that runs boosts
# (``boosts``), read by the insights pages. Takes delivery ids, returns {delivery id: PaidFigures}
# for the boosted ones only.
@dataclass(frozen=True)
class PaidFigures:
    reach: int | None  # the largest daily reach Meta reported for the ad (reach does not add up)
    spent: int  # rupiah


PaidReader = Callable[[Iterable[int]], dict[int, PaidFigures]]

_paid_reader: PaidReader | None = None


def register_paid_reader(reader: PaidReader) -> None:
    global _paid_reader
    _paid_reader = reader


def paid_figures(delivery_ids: Iterable[int]) -> dict[int, PaidFigures]:
    """The boosted deliveries among ``delivery_ids`` and what their boosts reached and cost."""
    ids = list(delivery_ids)
    if _paid_reader is None or not ids:
        return {}
    return _paid_reader(ids)
