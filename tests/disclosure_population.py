"""Synthetic persons for the export tests and benchmark: realistic skews, every kind of raw value.

The shares are rough figures of the published victim lists (most persons Uyghur men from the south,
detained in 2017-2018, many with no exact date), not fitted to anything: what matters is that the
columns are skewed and partly missing, as real lists are, and that sentences arrive as free text
in several languages.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from intake.services import thesauri

SENTENCES = ("10 years", "ئون يىل", "有期徒刑十五年", "7 лет", "5 yıl", "life", "无期徒刑", "18 months",
             "20 жыл", "P3Y6M", "死缓", "", "not known", "3 years", "بەش يىل")


def _counties() -> list[str]:
    return [p.code for p in thesauri.places() if p.level == "county" and not p.historical]


def population(n: int, seed: int = 1) -> dict[str, list[Any]]:
    """`n` persons as columns of raw values (the export's input contract)."""
    rng = np.random.default_rng(seed)

    def pick(values: tuple | list, weights: tuple | list) -> np.ndarray:
        p = np.asarray(weights, dtype=float)
        return rng.choice(np.asarray(values, dtype=object), size=n, p=p / p.sum())

    counties = _counties()
    south = [c for c in counties if c[:4] in ("6531", "6532", "6529", "6530")]
    county_weights = [8.0 if c in south else 1.0 for c in counties] + [20.0, 5.0]
    birth = np.clip(rng.normal(1976, 14, n).round(), 1925, 2010).astype(int)
    year = rng.choice(np.arange(2014, 2023), size=n, p=np.array([1, 2, 4, 20, 30, 15, 8, 5, 3]) / 88)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    precision = rng.choice(3, size=n, p=[0.55, 0.3, 0.15])  # day known / year only / nothing
    detention = [f"{y}-{m:02d}-{d:02d}" if p == 0 else (str(y) if p == 1 else None)
                 for y, m, d, p in zip(year.tolist(), month.tolist(), day.tolist(), precision.tolist(), strict=True)]
    status = pick(("detained", "sentenced", "released", "died", "disappeared", "unknown"), (45, 25, 15, 2, 5, 8))
    sentence = np.where(status == "sentenced", pick(SENTENCES, [1] * len(SENTENCES)), None)
    return {
        "gender": pick(("male", "female", "other", "unknown", None), (60, 37, 0.5, 1, 1.5)).tolist(),
        "birth_year": [int(b) if r > 0.05 else None for b, r in zip(birth, rng.random(n), strict=True)],
        "ethnicity": pick(("uyghur", "kazakh", "kyrgyz", "uzbek", "hui", "tajik", "han", None),
                          (82, 11, 2, 1, 1, 0.5, 0.5, 2)).tolist(),
        "county": pick(counties + ["653100", None], county_weights).tolist(),
        "detention_date": detention,
        "facility_type": pick(("camp", "detention_centre", "prison", "labour_transfer", "house_arrest", "unknown",
                               None), (45, 12, 18, 5, 2, 8, 10)).tolist(),
        "status": status.tolist(),
        "sentence": sentence.tolist(),
        "verification": pick(("reported", "partially_verified", "corroborated", "documented"),
                             (60, 20, 12, 8)).tolist(),
        "report_count": pick((1, 2, 3, 4, 6), (80, 12, 4, 2, 2)).tolist(),
    }
