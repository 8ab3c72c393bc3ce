"""The match weights of a pair as a bar chart, computed here and drawn as SVG by the template (no
script). Each field's bar starts at the zero line: right for evidence of a match, left against.
Labels are field names and numbers only; the values compared stay in the table beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

WIDTH, ROW, LABEL = 560, 26, 170  # px: the whole chart, one bar's row, the label column
NUMBER = 44  # px beyond the longest bar for its weight ("-12.34"): drawn there, not cut off at the edge


@dataclass(frozen=True)
class Bar:
    label: str
    weight: float
    x: float
    y: float
    width: float
    positive: bool


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    zero: float  # x of the zero line
    scale: float  # the largest |weight| drawn at full length

    @property
    def empty(self) -> bool:
        return not self.bars


def chart(lines: Sequence[Any]) -> Chart:
    """Bars for every line with a weight (FieldExplanation-like: `field`, `weight`)."""
    weighted = [(str(line.field), float(line.weight)) for line in lines if getattr(line, "weight", None) is not None]
    scale = max([abs(w) for _, w in weighted] + [1.0])
    half = (WIDTH - LABEL) / 2
    zero = LABEL + half
    bars = []
    for i, (label, weight) in enumerate(weighted):
        length = abs(weight) / scale * (half - NUMBER)
        bars.append(Bar(label=label.replace("_", " "), weight=round(weight, 2), x=zero if weight >= 0 else zero - length,
                        y=i * ROW + 4, width=max(length, 1.0), positive=weight >= 0))
    return Chart(bars=bars, width=WIDTH, height=len(bars) * ROW + 8, zero=zero, scale=scale)
