"""Counts for reviewers and researchers: persons by prefecture, detention year, status, gender,
age band and verification level, with small cells hidden.

Persons come in as for an export (one row per person, the allow-listed raw values) and are read
through the same hierarchies, so a county counts in its prefecture here exactly as it would
generalise there. A count of 1 to 4 is shown as "<5". A table's total is known (it is the number
of persons, the same in every table), so a table with a single hidden cell would give it away:
the next smallest cell is then hidden too, shown as "5+" (at least 5, exact value withheld).
With fewer than 5 persons in all there is no such cell, and the zeros would say which categories
hold everyone: every cell is then "<5".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import columns
from .hierarchies import STAR, UNKNOWN, Hierarchy, hierarchies

SMALL = 5
HIDDEN_SMALL = "<5"
# The campaign of mass detention began in 2014 ("Strike Hard"); earlier years are one category.
DETENTION_YEARS_FROM = 2014
BEFORE = f"before {DETENTION_YEARS_FROM}"
HIDDEN_SECONDARY = "5+"

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under 18", 0, 17), ("18-29", 18, 29), ("30-39", 30, 39), ("40-49", 40, 49), ("50-59", 50, 59),
    ("60-69", 60, 69), ("70 or older", 70, None))


@dataclass(frozen=True)
class CountTable:
    dimension: str
    title: str
    labels: tuple[str, ...]  # every category, "unknown" last
    counts: tuple[int, ...]  # true counts: for reviewers' eyes and for the noisy release only

    @property
    def total(self) -> int:
        return sum(self.counts)

    def shown(self) -> tuple[str, ...]:
        """The counts as they may be shown: small cells "<5", and one more hidden if needed."""
        if 0 < self.total < SMALL:
            # Nothing of 5 or more to hide beside a small cell, and the zeros would say which
            # categories hold everyone: every cell is "<5", zeros included (they are under 5 too).
            return tuple(HIDDEN_SMALL for _ in self.counts)
        out = [str(c) if c == 0 or c >= SMALL else HIDDEN_SMALL for c in self.counts]
        hidden = [i for i, c in enumerate(self.counts) if 0 < c < SMALL]
        if len(hidden) == 1:
            candidates = [i for i, c in enumerate(self.counts) if c >= SMALL]
            if candidates:
                out[min(candidates, key=lambda i: self.counts[i])] = HIDDEN_SECONDARY
        return tuple(out)

    def rows(self) -> list[tuple[str, str]]:
        return list(zip(self.labels, self.shown(), strict=True))


@dataclass(frozen=True)
class Dimension:
    name: str
    title: str
    categories: tuple[str, ...]  # public and fixed: never derived from the data


def dimensions(reference_year: int | None = None) -> tuple[Dimension, ...]:
    """The tables and their categories; the categories come from the thesauri and the calendar,
    never from the data, so that a category's presence tells nothing."""
    year = reference_year or dt.date.today().year
    hs = {h.column: h for h in hierarchies(year)}
    return (
        Dimension("prefecture", "Persons by home prefecture", _labels_at(hs["home_place"], "prefecture")),
        Dimension("detention_year", "Persons by year of detention",
                  tuple(str(y) for y in range(DETENTION_YEARS_FROM, year + 1))),
        Dimension("status", "Persons by their situation as last reported", _labels_at(hs["status"], "status")),
        Dimension("gender", "Persons by gender", _labels_at(hs["gender"], "gender")),
        Dimension("age_band", f"Persons by age in {year}", tuple(label for label, _, _ in AGE_BANDS)),
        Dimension("verification", "Persons by verification level",
                  _labels_at(hs["verification"], "verification")),
    )


def _labels_at(h: Hierarchy, level: str) -> tuple[str, ...]:
    """The values a column shows at `level`, in the hierarchy's (the thesaurus's) order."""
    at = h.level(level)
    shown = {int(n) for n in h.up[at][h.node_level <= at]} - {STAR, UNKNOWN}
    return tuple(h.labels[n] for n in sorted(shown))


def categorise(persons: columns.PersonRows, reference_year: int | None = None) -> dict[str, list[str]]:
    """Each person's category in every dimension ("unknown" when missing), as lists of labels."""
    year = reference_year or dt.date.today().year
    hs = {h.column: h for h in hierarchies(year)}
    base = columns.encode(persons, hierarchies(year))
    index = {h.column: i for i, h in enumerate(hierarchies(year))}

    def at(column: str, level: str) -> list[str]:
        h = hs[column]
        return [h.labels[n] for n in h.up[h.level(level)][base[:, index[column]]].tolist()]

    years = at("detention_date", "year")
    births = at("birth_year", "year")
    return {
        "prefecture": at("home_place", "prefecture"),
        "detention_year": [y if not y.isdigit() or int(y) >= DETENTION_YEARS_FROM else BEFORE for y in years],
        "status": at("status", "status"),
        "gender": at("gender", "gender"),
        "age_band": [_age_band(year - int(b)) if b.isdigit() else "unknown" for b in births],
        "verification": at("verification", "verification"),
    }


def _age_band(age: int) -> str:
    return next((label for label, low, high in AGE_BANDS if age >= low and (high is None or age <= high)),
                "unknown")


def count_tables(persons: columns.PersonRows, reference_year: int | None = None) -> list[CountTable]:
    """One table per dimension, every category listed (zeros included), then "before 2014"
    where it applies, then "unknown" for everything not recognised."""
    values = categorise(persons, reference_year)
    tables = []
    for dimension in dimensions(reference_year):
        labels = list(dimension.categories)
        if dimension.name == "detention_year":
            labels.insert(0, BEFORE)
        if "unknown" not in labels:  # status has "unknown" as an answer of its own
            labels.append("unknown")
        position = {label: i for i, label in enumerate(labels)}
        counts = np.bincount([position.get(v, len(labels) - 1) for v in values[dimension.name]],
                             minlength=len(labels))
        tables.append(CountTable(dimension.name, dimension.title, tuple(labels), tuple(int(c) for c in counts)))
    return tables


def categories_of(dimension: str, reference_year: int | None = None) -> Sequence[str]:
    return next(d.categories for d in dimensions(reference_year) if d.name == dimension)
