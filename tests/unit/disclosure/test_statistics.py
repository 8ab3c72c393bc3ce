"""Statistics: counts with small cells hidden, charts as inert SVG, noisy counts within a budget."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import numpy as np
import pytest

from intake.disclosure import charts, privacy, signing, statistics
from intake.disclosure.columns import DisallowedColumn
from intake.disclosure.statistics import CountTable
from tests.disclosure_population import population


def test_counts_by_every_dimension_add_up_to_the_persons() -> None:
    data = population(2000, seed=3)
    tables = {t.dimension: t for t in statistics.count_tables(data, 2026)}
    assert set(tables) == {"prefecture", "detention_year", "status", "gender", "age_band", "verification"}
    assert all(t.total == 2000 for t in tables.values())
    assert dict(zip(tables["status"].labels, tables["status"].counts, strict=True))["died"] == \
        sum(1 for s in data["status"] if s == "died")
    assert "Kashgar Prefecture" in tables["prefecture"].labels
    assert tables["detention_year"].labels[0] == "before 2014"
    assert tables["age_band"].labels[-1] == "unknown"


def test_people_are_counted_where_the_export_would_put_them() -> None:
    persons = [{"county": "653125", "birth_year": 1990, "detention_date": "2018-04-02", "status": "released",
                "gender": "female", "verification": "documented"},
               {"county": "652923", "birth_year": None, "detention_date": "2009", "status": "nonsense"}]
    values = statistics.categorise(persons, 2026)
    assert values["prefecture"] == ["Kashgar Prefecture", "Aksu Prefecture"]
    assert values["age_band"] == ["30-39", "unknown"]
    assert values["detention_year"] == ["2018", "before 2014"]
    assert values["status"] == ["released", "unknown"]


def test_statistics_take_only_the_allowed_columns() -> None:
    with pytest.raises(DisallowedColumn):
        statistics.count_tables([{"status": "detained", "names": "X"}], 2026)


@pytest.mark.parametrize(("counts", "shown"), [
    ((120, 40, 3, 0), ("120", "5+", "<5", "0")),  # one small cell: the next smallest hidden too
    ((120, 40, 3, 2), ("120", "40", "<5", "<5")),  # two small cells hide each other
    ((120, 40, 7, 0), ("120", "40", "7", "0")),
    ((4,), ("<5",)),
])
def test_small_cells_are_hidden_and_cannot_be_recovered_from_the_total(counts: tuple, shown: tuple) -> None:
    table = CountTable("x", "X", tuple("abcd"[: len(counts)]), counts)
    assert table.shown() == shown


def test_charts_are_inert_svg() -> None:
    tables = statistics.count_tables(population(800, seed=4), 2026)
    for table in tables:
        svg = charts.bar_chart(table)
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert not re.search(r"<script|<a[\s>]|@import|@font-face|<image|DOCTYPE|<\?xml|<metadata|Matplotlib v",
                             svg, re.I)
        assert set(re.findall(r"https?://[^\s\"'<>)]+", svg)) <= {"http://www.w3.org/2000/svg",
                                                                 "http://www.w3.org/1999/xlink"}
        assert "<text" not in svg  # text drawn as paths: no font is needed to show it
    table = CountTable("x", "X", ("a", "b", "c"), (120, 40, 3))
    svg = charts.bar_chart(table)
    assert charts.bar_chart(table) == svg  # deterministic, so it can be cached and compared


def test_clean_refuses_what_could_run_or_fetch() -> None:
    for bad in ('<svg><script>alert(1)</script></svg>', '<svg><a href="x">x</a></svg>',
                '<svg><image href="https://example.org/x.png"/></svg>', '<svg onload="x()"></svg>'):
        with pytest.raises(ValueError):
            charts.clean(bad)


def test_noisy_counts_are_whole_non_negative_and_near_the_truth() -> None:
    values = ["a"] * 500 + ["b"] * 200 + ["c"] * 3 + ["elsewhere"] * 10
    errors = []
    for _ in range(200):
        counts, scale = privacy.noisy_counts(values, ["a", "b", "c", "unknown"], 0.5, contributions=1)
        assert all(isinstance(c, int) and c >= 0 for c in counts)
        errors.append(np.array(counts[:2]) - [500, 200])
    assert scale == pytest.approx(2.0)  # sensitivity 1 over epsilon 0.5
    spread = np.std(errors)
    assert 1.5 < spread < 4.5  # discrete Laplace of scale 2: standard deviation about 2.8
    assert abs(np.mean(errors)) < 1


def test_more_contributions_per_person_means_more_noise() -> None:
    _, one = privacy.noisy_counts(["a"], ["a", "unknown"], 1.0, contributions=1)
    _, two = privacy.noisy_counts(["a"], ["a", "unknown"], 1.0, contributions=2)
    assert two == pytest.approx(2 * one)


def test_the_ledger_refuses_a_release_over_budget_and_keeps_exact_sums() -> None:
    ledger = privacy.PrivacyLedger.with_budget(1)
    for _ in range(10):
        ledger.charge(0.1, "weekly snapshot", dt.date(2026, 1, 1))
    assert ledger.spent == Fraction(1) and ledger.remaining == 0
    with pytest.raises(privacy.BudgetExceeded, match="only 0 of the total budget 1 is left"):
        ledger.charge(0.01, "one more")
    assert len(ledger.entries) == 10
    again = privacy.PrivacyLedger.from_dict(ledger.as_dict())
    assert again == ledger
    with pytest.raises(ValueError):
        ledger.charge(0, "nothing")


def test_a_signed_snapshot_holds_only_noisy_counts_and_its_accounting() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    data = population(3000, seed=6)
    tables = statistics.count_tables(data, 2026)
    ledger = privacy.PrivacyLedger.with_budget(4)
    entry = ledger.charge(1.0, "public snapshot", dt.date(2026, 11, 30))
    noisy = privacy.noisy_tables(tables, statistics.categorise(data, 2026), 1.0)
    key = Ed25519PrivateKey.generate()
    document = signing.sign(privacy.snapshot(noisy, entry, ledger), key)
    signing.verify_signature(document, key.public_key())
    assert document["published"] == "2026-11-30" and document["epsilon"] == 1.0
    assert sum(t["epsilon"] for t in document["tables"]) == pytest.approx(1.0)
    assert document["privacy"]["budget_spent_including_this"] == 1.0
    true = {t.dimension: list(t.counts) for t in tables}
    assert any(t["counts"] != true[t["dimension"]] for t in document["tables"])
    document["tables"][0]["counts"][0] += 1
    with pytest.raises(ValueError):
        signing.verify_signature(document, key.public_key())
