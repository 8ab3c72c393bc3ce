"""Training without labels: the prior the model implies is the population's share of matching pairs."""

from __future__ import annotations

from collections import Counter

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
