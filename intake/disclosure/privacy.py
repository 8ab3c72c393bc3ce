"""Differentially private counts for the public face, the privacy ledger, and the signed snapshot.

Mechanism: OpenDP's count by categories over a fixed, public list of categories (so that a
category's presence reveals nothing), followed by discrete Laplace noise (OpenDP's `then_laplace`
on integers, i.e. the geometric mechanism). Pure epsilon-differential privacy with respect to
adding or removing one person. One person may stand behind up to `contributions` rows (a
relative reported twice and not yet linked counts twice), so the noise is scaled for that
many. Negative noisy counts are shown as 0: post-processing, it costs no privacy.

Each release of a snapshot spends its epsilon (split evenly over its tables: sequential
composition); the ledger adds up what was spent and refuses a release that would go over the
total budget. The ledger is a value the caller stores; charging it before drawing the noise and
storing it with the snapshot in one transaction is the caller's part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import opendp.prelude as dp

from .notes import BIAS_NOTES
from .statistics import CountTable

dp.enable_features("contrib")

SNAPSHOT_KIND = "intake-public-statistics"
SNAPSHOT_VERSION = 1


@dataclass(frozen=True)
class NoisyTable:
    dimension: str
    title: str
    labels: tuple[str, ...]
    counts: tuple[int, ...]  # noisy, rounded (whole numbers), never negative
    epsilon: float
    scale: float  # of the discrete Laplace noise: its standard deviation is about scale * sqrt(2)

    def as_dict(self) -> dict[str, Any]:
        return {"dimension": self.dimension, "title": self.title, "labels": list(self.labels),
                "counts": list(self.counts), "epsilon": self.epsilon, "noise_scale": self.scale}


def noisy_counts(values: Sequence[str], labels: Sequence[str], epsilon: float, *, contributions: int = 2
                 ) -> tuple[list[int], float]:
    """Counts of `values` over the public `labels` (anything else counts in the last label),
    with epsilon-DP noise for persons contributing up to `contributions` values each."""
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    categories, rest = list(labels[:-1]), labels[-1]
    space = dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance()
    counting = space >> dp.t.then_count_by_categories(categories=categories, null_category=True)
    scale = dp.binary_search_param(lambda s: counting >> dp.m.then_laplace(scale=s), d_in=contributions,
                                   d_out=epsilon)
    measurement = counting >> dp.m.then_laplace(scale=scale)
    if measurement.map(contributions) > epsilon:  # OpenDP's own accounting, checked again
        raise RuntimeError("the noise is too small for the epsilon asked")
    known = set(categories)
    released = measurement([v if v in known else rest for v in values])
    return [max(0, int(c)) for c in released], float(scale)


def noisy_tables(tables: Sequence[CountTable], values: dict[str, list[str]], epsilon: float, *,
                 contributions: int = 2) -> list[NoisyTable]:
    """Every table again with noise, `epsilon` split evenly over them. `values` are each person's
    categories (statistics.categorise); the true counts of `tables` are not used, only their labels."""
    share = epsilon / len(tables)
    out = []
    for table in tables:
        counts, scale = noisy_counts(values[table.dimension], table.labels, share, contributions=contributions)
        out.append(NoisyTable(table.dimension, table.title, table.labels, tuple(counts), share, scale))
    return out


class BudgetExceeded(Exception):
    """A release would spend more than the ledger's total budget."""


@dataclass(frozen=True)
class LedgerEntry:
    on: dt.date
    epsilon: Fraction
    label: str

    def as_dict(self) -> dict[str, str]:
        return {"on": self.on.isoformat(), "epsilon": str(self.epsilon), "label": self.label}


@dataclass
class PrivacyLedger:
    """Every epsilon spent on the data, against a total budget. Kept as exact fractions, so ten
    releases of 0.1 spend exactly 1."""

    total: Fraction
    entries: list[LedgerEntry] = field(default_factory=list)

    @classmethod
    def with_budget(cls, total: float | str) -> PrivacyLedger:
        return cls(_fraction(total))

    @property
    def spent(self) -> Fraction:
        return sum((e.epsilon for e in self.entries), Fraction(0))

    @property
    def remaining(self) -> Fraction:
        return self.total - self.spent

    def charge(self, epsilon: float | str, label: str, on: dt.date | None = None) -> LedgerEntry:
        """Record a release of `epsilon`, or BudgetExceeded (and nothing recorded)."""
        amount = _fraction(epsilon)
        if amount <= 0:
            raise ValueError("epsilon must be positive")
        if amount > self.remaining:
            raise BudgetExceeded(f"this release needs epsilon {float(amount):g}, but only {float(self.remaining):g} "
                                 f"of the total budget {float(self.total):g} is left")
        entry = LedgerEntry(on or dt.date.today(), amount, label)
        self.entries.append(entry)
        return entry

    def as_dict(self) -> dict[str, Any]:
        return {"total": str(self.total), "spent": str(self.spent),
                "entries": [e.as_dict() for e in self.entries]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrivacyLedger:
        return cls(Fraction(data["total"]), [LedgerEntry(dt.date.fromisoformat(e["on"]), Fraction(e["epsilon"]),
                                                         e["label"]) for e in data["entries"]])


def _fraction(value: float | str) -> Fraction:
    # Through the decimal text, so 0.1 is one tenth, not the binary float nearest to it.
    return Fraction(str(value)).limit_denominator(10**9)


def snapshot(tables: Sequence[NoisyTable], entry: LedgerEntry, ledger: PrivacyLedger, *,
             contributions: int = 2) -> dict[str, Any]:
    """The public snapshot, unsigned (`signing.sign` adds the "signature" field). Nothing in it is
    a true count."""
    return {
        "kind": SNAPSHOT_KIND,
        "version": SNAPSHOT_VERSION,
        "published": entry.on.isoformat(),
        "epsilon": float(entry.epsilon),
        "privacy": {
            "definition": "pure epsilon-differential privacy; neighbouring data differ by one person",
            "contributions_per_person": contributions,
            "mechanism": "count by fixed public categories, then discrete Laplace (geometric) noise",
            "library": f"OpenDP {_opendp_version()}",
            "composition": "epsilon split evenly over the tables",
            "post_processing": "negative counts shown as 0",
            "budget_total": float(ledger.total),
            "budget_spent_including_this": float(ledger.spent),
        },
        "tables": [t.as_dict() for t in tables],
        "bias_notes": [{"title": str(title), "text": str(text)} for title, text in BIAS_NOTES],
    }


def _opendp_version() -> str:
    from importlib.metadata import version

    return version("opendp")
