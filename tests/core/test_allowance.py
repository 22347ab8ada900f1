"""The shared allowance: counted, then held, then nothing past the per-minute limit."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.allowance import (
    Decision,
    address_group,
    address_hash,
    allowance_decide,
    allowance_record,
)


@dataclass
class Row:
    counted: int = 0
    held: int = 0
    minute: int = 0
    minute_attempts: int = 0


def test_counted_then_held_then_rate_limited_and_a_new_minute_resets():
    row = Row()
    at = datetime(2026, 12, 4, 8, 0, 5, tzinfo=UTC)
    decisions = []
    for _ in range(6):
        decision = allowance_decide(row, at=at, allowance=2, per_minute=4)
        allowance_record(row, decision)
        decisions.append(decision)
    assert decisions == [Decision.COUNTED] * 2 + [Decision.HELD] * 2 + [Decision.RATE_LIMITED] * 2
    assert (row.counted, row.held) == (2, 2)
    later = allowance_decide(row, at=at + timedelta(minutes=1), allowance=2, per_minute=4)
    assert later is Decision.HELD and row.minute_attempts == 1


def test_an_ipv6_subscriber_is_its_64_and_hashes_differ_per_form():
    assert address_group("2001:db8:1:2::1") == address_group("2001:db8:1:2:ffff::9")
    assert address_group("2001:db8:1:3::1") != address_group("2001:db8:1:2::1")
    assert address_group("::ffff:203.0.113.5") == "203.0.113.5"
    assert address_group("not an address") == "not an address"
    assert address_hash("203.0.113.5", salt="a") != address_hash("203.0.113.5", salt="b")
    assert "203.0.113.5" not in address_hash("203.0.113.5", salt="a")
