"""Each row of the curated name-pair table, as its own expectation (the global precision and
recall are printed by tests/bench/bench_names.py, never asserted)."""

from __future__ import annotations

import pytest

from intake.resolution.name_match import same_name_level
from intake.resolution.names import name_key
from tests.unit.resolution.name_pairs import pairs

ROWS = [p for p in pairs() if not p.known_miss]


def test_the_table_is_real_work() -> None:
    all_rows = pairs()
    assert len(all_rows) >= 150
    assert sum(not p.same for p in all_rows) >= 40  # hard negatives
    assert all(p.same for p in all_rows if p.known_miss)  # a known miss is a missed pair, never a false merge


@pytest.mark.parametrize("pair", ROWS, ids=[f"{p.a}|{p.b}" for p in ROWS])
def test_pair(pair) -> None:
    level = same_name_level(name_key(pair.a), name_key(pair.b))
    if pair.same:
        assert level >= 2
    else:
        assert level <= 1
