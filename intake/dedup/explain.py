"""Why two reports were scored as they were, field by field, in words for a reviewer.

The sentences quote the reports' own values, so they are made when a page is shown and never
stored or logged; what may be stored is the PairScore (level codes and weights).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..resolution.names import explain as name_words
from ..resolution.scripts import detect
from .comparisons import BY_NAME
from .model import PairScore

_WORDS = {
    "birth": {"exact": "same date", "same_month": "same month", "same_year": "same year",
              "same_year_other_date": "same year, other month or day",
              "one_year_apart": "one year apart", "two_years_apart": "two years apart",
              "different": "different years", "missing": "not given on both"},
    "place": {"same_county": "same county", "same_prefecture": "same prefecture (county given once)",
              "other_county_same_prefecture": "other county in the same prefecture",
              "different": "different prefectures", "missing": "not given on both"},
    "id": {"exact": "same ID number", "near": "one character apart (a typo)",
           "region_and_date": "same region and birth date, other sequence",
           "different": "two different valid ID numbers", "other": "different ID numbers",
           "missing": "not given on both"},
    "gender": {"same": "same gender", "different": "different genders", "missing": "not given on both"},
}
_NAME_LEVEL = {"exact": 3, "same_spelling": 2, "same_across_scripts": 2, "close": 1, "different": 0}
_SOURCES = {"given": ("given_name", "full_name_alt"), "father": ("father_name", "full_name_alt"),
            "birth": ("birth_date",), "place": ("home_place",), "id": ("chinese_id",), "gender": ("gender",)}


@dataclass(frozen=True)
class FieldExplanation:
    field: str          # what a reviewer sees it as ("name", "birth date"...)
    left_value: str     # as the report gave it (plaintext: shown, never stored)
    right_value: str
    level: str          # the level code
    sentence: str
    weight: float       # log2 Bayes factor: positive for, negative against


def _value(row: Mapping[str, Any], comparison: str) -> str:
    for column in _SOURCES[comparison]:
        value = row.get(column)
        if value is not None and str(value).strip():
            return str(value).strip()
    return ""


def _from_id(comparison: str, level: str, row: Mapping[str, Any], value: str) -> bool:
    """Whether the report's ID number gave what this level compared (resolution.prepare completes
    a missing or partial birth date and a missing place from the number): the reviewer is told,
    since the report's own field says less than the level."""
    if level == "missing" or not str(row.get("chinese_id") or "").strip():
        return False
    if comparison == "birth":  # "1981" or "1981-03" is not a day, "1981" not a month
        return (level == "exact" and len(value) < len("1981-03-17")) or \
            (level == "same_month" and len(value) < len("1981-03"))
    return comparison == "place" and not value


def _words(comparison: str, level: str, left: str, right: str) -> str:
    if comparison in ("given", "father"):
        if level == "missing":
            return "not given on both"
        if level == "other_order_or_name":
            return "same two names, in the other order or in the other full name"
        words = name_words(left, right, _NAME_LEVEL.get(level, 0))
        if level == "same_across_scripts" and detect(left) == detect(right):
            words = "same name, spelled differently"
        return words
    return _WORDS[comparison].get(level, level.replace("_", " "))


def explain_pair(left_row: Mapping[str, Any], right_row: Mapping[str, Any], pair: PairScore
                 ) -> list[FieldExplanation]:
    """One line per comparison: "ئابلىمىت and 阿布力米提: same name across scripts"."""
    out = []
    for name, level in pair.levels.items():
        comp = BY_NAME[name]
        left, right = _value(left_row, name), _value(right_row, name)
        words = _words(name, level, left, right)
        if _from_id(name, level, left_row, left) or _from_id(name, level, right_row, right):
            words += " (with what an ID number says)"
        if left and right:
            sentence = f"{left} and {right}: {words}"
        else:
            sentence = f"{left or right or comp.field}: {words}" if level != "missing" else f"{comp.field}: {words}"
        out.append(FieldExplanation(comp.field, left, right, level, sentence, pair.weights.get(name, 0.0)))
    return out
