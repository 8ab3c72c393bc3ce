"""Training without labels: the prior the model implies is the population's share of matching pairs."""

from __future__ import annotations

from collections import Counter

import pytest

from intake.dedup import train
from tests.dedup_population import population


def test_the_trained_prior_is_the_share_of_pairs_that_are_one_person():
    rows, truth = population(400, seed=3)
    reports = Counter(truth.person.values())
    n = len(rows)
    share = sum(k * (k - 1) / 2 for k in reports.values()) / (n * (n - 1) / 2)
    model = train(rows)
    # The deterministic rules' estimate (a recall guess) put it about 3.5 times too low.
    assert 0.7 * share < model.prior < 1.3 * share
    assert model.trained["prior"] == "self-consistent"
    # The generator's persons are each taken on one date: the month agreeing is evidence, learnt;
    # a date that differs is none, whatever EM made of it (comparisons.NEUTRAL).
    detention = model.parameters["detention"]
    assert detention["same_month"]["m"] > 4 * detention["same_month"]["u"]
    assert all(detention[code]["m"] == detention[code]["u"]
               for code in ("different", "one_year_apart", "same_year_other_month"))


def test_a_set_larger_than_the_sample_trains_on_a_sample_and_keeps_the_population_s_prior():
    rows, truth = population(400, seed=3)
    reports = Counter(truth.person.values())
    n = len(rows)
    share = sum(k * (k - 1) / 2 for k in reports.values()) / (n * (n - 1) / 2)
    model = train(rows, sample=n // 2)
    assert model.trained["sample"] == n // 2
    assert model.trained["reports"] == n  # the population the prior's share is of
    # A random half of the reports holds the same share of matching pairs; scaled to the whole set
    # (prior_for), the prior stays the population's, not a half of it.
    assert 0.6 * share < model.prior_for(n) < 1.5 * share
    assert 0.6 * share * (n - 1) / (2 * n - 1) < model.prior_for(2 * n) < 1.5 * share * (n - 1) / (2 * n - 1)


def test_training_out_of_the_engine_s_memory_says_so_in_one_line(monkeypatch):
    # Splink wraps DuckDB's out-of-memory error in an exception of its own: the message must still
    # say which setting to raise (and carry no value of the rows).
    import pytest

    from intake.dedup import DedupError

    rows, _truth = population(200, seed=3)
    monkeypatch.setenv("INTAKE_DEDUP_MEMORY_LIMIT", "1MB")
    with pytest.raises(DedupError) as raised:
        train(rows)
    assert "out of memory" in str(raised.value) and "INTAKE_DEDUP_MEMORY_LIMIT" in str(raised.value)
    assert not any(str(row.get("given_name") or "") in str(raised.value) for row in rows if row.get("given_name"))


def test_copies_of_one_report_teach_the_model_nothing_more_than_one_copy():
    """A store flooded with copies of one report (through the public form) must not steer what
    `flask dedup train` learns: the copies' pairs would dominate the EM and the random pairs that
    estimate u. The model trained with 1,500 copies is the model trained with one."""
    rows, _ = population(400, seed=3)
    flood = next(r for r in rows if r["given_name"] and r["father_name"] and r["birth_date"])
    copies = [{**flood, "report_id": f"copy-{i}"} for i in range(1_500)]
    once, flooded = train(rows + copies[:1]), train(rows + copies)
    # Equal to the last bits: DuckDB's threads sum EM's counts in no fixed order.
    assert flooded.parameters.keys() == once.parameters.keys()
    for comparison, levels in once.parameters.items():
        assert flooded.parameters[comparison].keys() == levels.keys(), comparison
        for level, values in levels.items():
            assert flooded.parameters[comparison][level] == pytest.approx(values, rel=1e-9), (comparison, level)
    assert flooded.prior == pytest.approx(once.prior, rel=1e-9)
    assert flooded.trained["sample"] == once.trained["sample"]
