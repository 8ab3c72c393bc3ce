"""The recoding search: it finds the best recoding the exhaustive check would find, and what it
promises holds on the rows themselves."""

from __future__ import annotations

import math
from collections import Counter
from itertools import product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.disclosure import columns, recoding
from intake.disclosure.hierarchies import STAR, hierarchies
from intake.disclosure.recoding import NotAnonymisable, Policy
from tests.disclosure_population import population

HS = hierarchies(2026)
BY_NAME = {h.column: h for h in HS}
INPUT_OF = {v: k for k, v in columns.INPUT_COLUMNS.items()}


def subset(data: dict[str, list], names: list[str]) -> tuple[list, np.ndarray]:
    hs = [BY_NAME[n] for n in names]
    base = np.stack([h.encode(data[INPUT_OF[h.column]]) for h in hs], axis=1).astype(np.int16)
    return hs, base


def rows_measured(codes: np.ndarray, hs: list) -> dict[str, float]:
    """k, l, classes and average risk counted in plain Python over the released labels."""
    status = [h.column for h in hs].index("status")
    labels = [tuple(h.labels[c] for h, c in zip(hs, row, strict=True)) for row in codes.tolist()]
    classes = Counter(labels)
    groups: dict[tuple, set] = {}
    for row in labels:
        groups.setdefault(row[:status] + row[status + 1:], set()).add(row[status])
    return {"k": min(classes.values()), "l": min(len(v) for v in groups.values()),
            "classes": len(classes), "average_risk": len(classes) / len(labels)}


def test_the_search_finds_what_an_exhaustive_check_finds() -> None:
    hs, base = subset(population(3000, seed=7), ["gender", "birth_year", "home_place", "detention_date", "status"])
    plan = recoding.search(base, hs)
    brute = recoding._Search(base, hs, Policy())
    best = None
    for levels in product(*[range(h.max_level + 1) for h in hs]):
        candidate = brute.exact(levels)
        if candidate and (best is None or (candidate.measures.loss_metric, candidate.measures.discernibility)
                          < (best.measures.loss_metric, best.measures.discernibility)):
            best = candidate
    assert best is not None
    assert plan.levels == best.levels
    assert math.isclose(plan.measures.loss_metric, best.measures.loss_metric)
    assert plan.stats.exact_checks < brute.exact_checks  # the pruning did prune


def test_inferred_tags_agree_with_checking_every_node() -> None:
    hs, base = subset(population(2000, seed=3), ["gender", "birth_year", "home_place", "facility_type", "status"])
    inferred = recoding._Search(base, hs, Policy())
    inferred.project(2)
    checked = recoding._Search(base, hs, Policy())
    for i in range(inferred.lattice.size):
        assert inferred.decide(i) == checked.passes(inferred.lattice.node(i)), inferred.lattice.node(i)


def test_a_person_that_a_naive_recoding_leaves_unique_is_protected() -> None:
    data = population(1500, seed=11)
    # One Tajik woman from Tashkurgan who died after a death sentence: rare in every column.
    rare = {"gender": "female", "birth_year": 1950, "ethnicity": "tajik", "county": "653131",
            "detention_date": "2018-03-02", "facility_type": "prison", "status": "died",
            "sentence": "死刑", "verification": "documented", "report_count": 3}
    for name, value in rare.items():
        data[name].append(value)
    hs = HS
    base = columns.encode(data, hs)
    # A hand-made "reasonable" recoding (prefecture, 10-year bands, year of detention) leaves her alone.
    naive = (0, 2, 0, 1, 2, 0, 0, 0, 0, 0)
    naive_codes = np.stack([h.up[level][base[:, i]] for i, (h, level) in enumerate(zip(hs, naive, strict=True))], 1)
    labels = [tuple(r) for r in naive_codes.tolist()]
    assert Counter(labels)[labels[-1]] == 1
    plan = recoding.search(base, hs)
    codes, suppressed = recoding.apply(plan, base, hs)
    released = [tuple(r) for r in codes.tolist()]
    assert Counter(released)[released[-1]] >= 5
    assert rows_measured(codes, hs)["k"] >= 5
    # Nothing rare about her survives in a cell anyone could see.
    shown = {hs[i].labels[c] for row in codes.tolist() for i, c in enumerate(row)}
    assert not shown & {"tajik", "Tashkurgan Tajik Autonomous County", "death", "1950"}


def test_too_few_persons_is_a_clear_refusal() -> None:
    base = columns.encode(population(40, seed=1), HS)
    with pytest.raises(NotAnonymisable, match=r"at least \d+ persons.*only 40"):
        recoding.search(base, HS)


def test_one_status_for_everybody_can_never_be_l_diverse() -> None:
    data = population(400, seed=2)
    data["status"] = ["detained"] * 400
    with pytest.raises(NotAnonymisable, match="More consenting persons are needed"):
        recoding.search(columns.encode(data, HS), HS)


def test_suppressed_persons_show_star_everywhere_but_status() -> None:
    base = columns.encode(population(2000, seed=5), HS)
    plan = recoding.search(base, HS)
    codes, suppressed = recoding.apply(plan, base, HS)
    status = [h.column for h in HS].index("status")
    assert suppressed.sum() == plan.measures.suppressed
    others = np.delete(codes[suppressed], status, axis=1)
    assert (others == STAR).all()
    assert (codes[suppressed][:, status] != STAR).all()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(persons=st.integers(min_value=70, max_value=2500), seed=st.integers(min_value=0, max_value=10_000),
       k=st.sampled_from([3, 5, 8]))
def test_every_recoding_found_holds_on_the_rows(persons: int, seed: int, k: int) -> None:
    policy = Policy(k=k)
    base = columns.encode(population(persons, seed=seed), HS)
    try:
        plan = recoding.search(base, HS, policy)
    except NotAnonymisable:
        return
    codes, suppressed = recoding.apply(plan, base, HS)
    measured = rows_measured(codes, HS)
    assert measured["k"] == plan.measures.k >= k
    assert measured["l"] == plan.measures.l >= policy.l
    assert measured["classes"] == plan.measures.classes
    assert measured["average_risk"] < policy.max_average_risk
    assert suppressed.sum() <= policy.max_suppression * persons
